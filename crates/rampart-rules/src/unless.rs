//! Findings that wait on what the model gathers from every Kubernetes object.
//!
//! A scan reads the Kubernetes files a part at a time, and releases each
//! part's trees before it reads the next; the service accounts and bindings
//! a finding about a workload, a ServiceAccount or a ClusterRole depends on
//! may be in a later part. Such a finding is made while its subject's tree is
//! there (its place, resource and fingerprint are worked out from it), with
//! the fact that would drop it, and kept or dropped once every part is read.

use rampart_model::Project;

/// A fact about the scanned service accounts and bindings that, once every
/// Kubernetes object is read, drops a finding ([`crate::Sink::report_unless`]).
#[derive(Debug)]
pub enum Unless {
    /// A scanned binding grants the ServiceAccount a role
    /// ([`Project::service_account_has_role`]).
    AccountHasRole {
        namespace: Option<String>,
        name: String,
    },
    /// The scanned ServiceAccount sets `automountServiceAccountToken: false`
    /// ([`Project::service_account_automount`]), or a scanned binding grants
    /// it a role.
    AccountOptsOutOrHasRole {
        namespace: Option<String>,
        name: String,
    },
    /// The ClusterRole is bound, and only by RoleBindings
    /// ([`Project::cluster_role_bound_only_in_namespaces`]).
    ClusterRoleBoundOnlyInNamespaces { name: String },
}

impl Unless {
    /// Whether the fact holds in `project`, which has read every object.
    pub(crate) fn holds(&self, project: &Project) -> bool {
        match self {
            Self::AccountHasRole { namespace, name } => {
                project.service_account_has_role(namespace.as_deref(), name)
            }
            Self::AccountOptsOutOrHasRole { namespace, name } => {
                let namespace = namespace.as_deref();
                project.service_account_automount(namespace, name) == Some(false)
                    || project.service_account_has_role(namespace, name)
            }
            Self::ClusterRoleBoundOnlyInNamespaces { name } => {
                project.cluster_role_bound_only_in_namespaces(name)
            }
        }
    }
}
