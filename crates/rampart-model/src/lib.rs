//! The model a scan evaluates: every file parsed once, every Kubernetes object and
//! Dockerfile stage with its position, every image reference, and the tier of
//! each resource.
//!
//! Rules read the model and nothing else. Anything a rule would otherwise have to
//! work out for itself (which path holds a pod template, which security context
//! applies to a container, which tier a pod belongs to) is worked out here, once.

pub mod aws;
mod dockerfile;
pub mod falco;
mod iac;
mod image;
mod infrastructure_parts;
mod kubernetes;
mod links;
mod locate;
mod network_policy;
mod project;
mod scopes;
#[cfg(test)]
mod testing;
mod tier;

pub use dockerfile::{DockerfileDoc, parse_pairs};
pub use iac::TerraformOptions;
pub use image::{ImageContext, ImageRef, ImageUse};
pub use infrastructure_parts::infrastructure_facts;
pub use kubernetes::{Container, ContainerKind, K8sObject, Workload};
pub use links::Links;
pub use network_policy::{Direction, NetworkPolicy};
pub use project::{
    FindingPlace, Infrastructure, LEAVE_UNREAD, LimitRangeDefaults, ManifestFacts, ManifestPart,
    ManifestTrees, ModeledManifest, NAMESPACE_WIDE_KINDS, NamespaceTraffic, ParsedFiles, Project,
    ResourceMoves, ResourceQuotas, SeenObject, Subject, may_declare_namespace_wide_objects,
    read_in_parts,
};
pub use rampart_iac;
pub use tier::{TierLabel, TierOrigin, tier_labels};
