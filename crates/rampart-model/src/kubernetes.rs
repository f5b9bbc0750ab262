use rampart_config::Tier;
use rampart_source::{FileId, Position, Span};
use rampart_yaml::Node;

use crate::locate;
use crate::tier::TierOrigin;

/// A Kubernetes object: one document of a manifest stream, or one item of a `List`.
#[derive(Debug)]
pub struct K8sObject {
    pub file: FileId,
    /// 0-based document index in the file.
    pub document: usize,
    /// Index within a `List` document.
    pub list_item: Option<usize>,
    pub api_version: String,
    pub kind: String,
    /// `metadata.name` (or `generateName` followed by `*`); `<unnamed>` without either.
    pub name: String,
    /// `metadata.namespace`; `None` for cluster-scoped kinds and when not set.
    pub namespace: Option<String>,
    /// The object's YAML tree. A scan releases it (an empty mapping is left)
    /// once the rules about manifests have run, and then the object itself,
    /// but in files that write a suppression marker: see
    /// `Project::release_manifest_trees` and `Project::add_infrastructure`.
    pub root: Node,
    /// The resolved tier (own label, pod template label, then namespace label).
    pub tier: Option<Tier>,
    pub tier_origin: TierOrigin,
    /// What a finding at the object's name is placed at, kept when its tree
    /// is released by [`K8sObject::release_tree_keeping_name`].
    pub(crate) name_place: Option<Box<NamePlace>>,
}

/// Where an object's name is ([`K8sObject::span`]), and the path and scalar
/// its tree gave a finding there ([`crate::FindingPlace::in_object`]).
#[derive(Debug)]
pub struct NamePlace {
    span: Span,
    location: String,
    scalar: Option<String>,
}

/// Kinds that are never namespaced.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "PodSecurityPolicy",
    "StorageClass",
    "CustomResourceDefinition",
    "PriorityClass",
    "RuntimeClass",
    "IngressClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "CSIDriver",
];

impl K8sObject {
    pub fn metadata(&self) -> Option<&Node> {
        self.root.get("metadata")
    }

    pub fn spec(&self) -> Option<&Node> {
        self.root.get("spec")
    }

    pub fn labels(&self) -> Option<&Node> {
        self.root.path(&["metadata", "labels"])
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels()?.get(key)?.as_str()
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.root.path(&["metadata", "annotations", key])?.as_str()
    }

    pub fn is_cluster_scoped(&self) -> bool {
        CLUSTER_SCOPED.contains(&self.kind.as_str())
    }

    /// `Kind/namespace/name`, or `Kind/name` without a namespace: the stable
    /// identity used in reports and fingerprints.
    pub fn identity(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{ns}/{}", self.kind, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }

    /// Where to point at the object as a whole: its name, else its kind.
    pub fn span(&self) -> Span {
        if let Some(place) = &self.name_place {
            return place.span;
        }
        self.root
            .path(&["metadata", "name"])
            .or_else(|| self.root.get("kind"))
            .map_or(self.root.span, |n| n.span)
    }

    /// The path in the tree to the deepest node at `pos`
    /// ([`locate::yaml_path`]).
    pub(crate) fn location(&self, pos: Position) -> String {
        match &self.name_place {
            Some(place) if place.span.start == pos => place.location.clone(),
            _ => locate::yaml_path(&self.root, pos),
        }
    }

    /// The scalar a finding at `pos` is about ([`locate::scalar_at`]).
    pub(crate) fn scalar(&self, pos: Position) -> Option<String> {
        match &self.name_place {
            Some(place) if place.span.start == pos => place.scalar.clone(),
            _ => locate::scalar_at(&self.root, pos),
        }
    }

    /// Frees the tree once nothing will read it; an empty mapping at its
    /// span is left.
    pub(crate) fn release_tree(&mut self) {
        let span = self.root.span;
        drop(std::mem::replace(&mut self.root, Node::empty_map(span)));
    }

    /// [`K8sObject::release_tree`], keeping first what a finding at the
    /// object's name reads of it: its span, path and scalar. NP-001 reports
    /// there on the first workload of a namespace, once every object is read,
    /// and the tree of no candidate then outlives its file's rules. An
    /// object whose tree was released already keeps what it had.
    pub(crate) fn release_tree_keeping_name(&mut self) {
        // A workload's tree is never empty: an empty one here is the mapping
        // a release left, whose place would be taken for the name's.
        debug_assert!(
            self.name_place.is_some() || !self.root.entries().is_empty(),
            "a name's place taken from a released tree"
        );
        if self.name_place.is_none() {
            let span = self.span();
            self.name_place = Some(Box::new(NamePlace {
                span,
                location: locate::yaml_path(&self.root, span.start),
                scalar: locate::scalar_at(&self.root, span.start),
            }));
        }
        self.release_tree();
    }

    /// The span of a key of a mapping reached by `path` (for pointing at a block,
    /// whose value starts on the next line).
    pub fn key_span(&self, path: &[&str]) -> Option<Span> {
        let (last, parents) = path.split_last()?;
        let parent = self.root.path(parents)?;
        parent.entry(last).map(|e| e.key.span)
    }

    /// Where the pod spec sits, for kinds that run pods.
    ///
    /// Besides the built-in kinds, any other object whose `spec.template.spec`
    /// (or `spec.jobTemplate.spec.template.spec`) holds a `containers` list is a
    /// workload: Argo Rollouts, Knative Services, OpenKruise CloneSets and many
    /// operators embed a pod template there, and skipping them would let a
    /// privileged container through unchecked.
    fn pod_paths(&self) -> Option<(&'static [&'static str], &'static [&'static str])> {
        const TEMPLATE: (&[&str], &[&str]) = (
            &["spec", "template", "spec"],
            &["spec", "template", "metadata"],
        );
        const JOB_TEMPLATE: (&[&str], &[&str]) = (
            &["spec", "jobTemplate", "spec", "template", "spec"],
            &["spec", "jobTemplate", "spec", "template", "metadata"],
        );
        Some(match self.kind.as_str() {
            "Pod" => (&["spec"], &["metadata"]),
            "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Job" => TEMPLATE,
            "CronJob" => JOB_TEMPLATE,
            "PodTemplate" => (&["template", "spec"], &["template", "metadata"]),
            _ => [TEMPLATE, JOB_TEMPLATE].into_iter().find(|(spec, _)| {
                self.root
                    .path(spec)
                    .and_then(|s| s.get("containers"))
                    .is_some_and(Node::is_seq)
            })?,
        })
    }

    /// The object as a workload, when it carries a pod template.
    pub fn workload(&self) -> Option<Workload<'_>> {
        let (spec_path, metadata_path) = self.pod_paths()?;
        let spec = self.root.path(spec_path).filter(|s| s.is_map())?;
        let spec_key = self.key_span(spec_path).unwrap_or(spec.span);
        Some(Workload {
            object: self,
            spec,
            spec_key,
            metadata: self.root.path(metadata_path),
        })
    }

    /// The labels of the pods this object runs (its own labels for a Pod).
    pub fn pod_labels(&self) -> Option<&Node> {
        let (_, metadata_path) = self.pod_paths()?;
        self.root.path(metadata_path)?.get("labels")
    }
}

/// An object that runs pods, seen through its pod template.
#[derive(Clone, Copy, Debug)]
pub struct Workload<'a> {
    pub object: &'a K8sObject,
    /// The pod spec (`spec` of a Pod, `spec.template.spec` of a Deployment, …).
    pub spec: &'a Node,
    /// The `spec` key of the pod spec, for pointing at the pod as a whole.
    pub spec_key: Span,
    /// The pod template's metadata (the object's own for a Pod).
    pub metadata: Option<&'a Node>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    Container,
    Init,
    Ephemeral,
}

impl ContainerKind {
    pub fn field(self) -> &'static str {
        match self {
            Self::Container => "containers",
            Self::Init => "initContainers",
            Self::Ephemeral => "ephemeralContainers",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Self::Container => "container",
            Self::Init => "init container",
            Self::Ephemeral => "ephemeral container",
        }
    }
}

/// A container of a pod spec.
#[derive(Clone, Copy, Debug)]
pub struct Container<'a> {
    pub kind: ContainerKind,
    pub node: &'a Node,
}

impl<'a> Container<'a> {
    pub fn name(&self) -> &'a str {
        self.node
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("<unnamed>")
    }

    /// `container `app``, `init container `migrate``, …
    pub fn describe(&self) -> String {
        format!("{} `{}`", self.kind.noun(), self.name())
    }

    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.get(key)
    }

    pub fn security_context(&self) -> Option<&'a Node> {
        self.node.get("securityContext")
    }

    /// A field of the container's `securityContext`.
    pub fn security(&self, key: &str) -> Option<&'a Node> {
        self.security_context()?.get(key)
    }

    /// Where to point at the container as a whole: its name.
    pub fn span(&self) -> Span {
        self.node.get("name").map_or(self.node.span, |n| n.span)
    }
}

impl<'a> Workload<'a> {
    /// Every container, init container and ephemeral container, in that order.
    pub fn containers(&self) -> impl Iterator<Item = Container<'a>> + 'a {
        let spec = self.spec;
        [
            ContainerKind::Container,
            ContainerKind::Init,
            ContainerKind::Ephemeral,
        ]
        .into_iter()
        .flat_map(move |kind| {
            spec.get(kind.field())
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter(|n| n.is_map())
                .map(move |node| Container { kind, node })
        })
    }

    /// The pod-level `securityContext`.
    pub fn security_context(&self) -> Option<&'a Node> {
        self.spec.get("securityContext")
    }

    /// A security setting that may be set on the container or, as its default,
    /// on the pod (`runAsNonRoot`, `runAsUser`, `seccompProfile`, …): the
    /// container's value wins.
    pub fn effective_security(&self, container: &Container<'a>, key: &str) -> Option<&'a Node> {
        container
            .security(key)
            .or_else(|| self.security_context()?.get(key))
    }

    pub fn volumes(&self) -> &'a [Node] {
        self.spec
            .get("volumes")
            .map(Node::items)
            .unwrap_or_default()
    }

    pub fn labels(&self) -> Option<&'a Node> {
        self.metadata?.get("labels")
    }

    /// Windows pods are exempt from the Linux-only Pod Security checks.
    pub fn is_windows(&self) -> bool {
        self.spec
            .path(&["os", "name"])
            .and_then(Node::as_str)
            .is_some_and(|os| os.eq_ignore_ascii_case("windows"))
    }

    /// `serviceAccountName` (`default` when unset).
    pub fn service_account(&self) -> &'a str {
        self.spec
            .get("serviceAccountName")
            .or_else(|| self.spec.get("serviceAccount"))
            .and_then(Node::as_str)
            .unwrap_or("default")
    }

    /// A field of the pod spec with the span to report it at (the value for
    /// scalars, the key for blocks).
    pub fn field(&self, key: &str) -> Option<(&'a Node, Span)> {
        let entry = self.spec.entry(key)?;
        let span = if entry.value.is_map() || entry.value.is_seq() {
            entry.key.span
        } else {
            entry.value.span
        };
        Some((&entry.value, span))
    }
}
