//! Kubernetes APIs that no longer exist: manifests that look like controls but enforce nothing.

use crate::engine::Rule;

mod pod_security_policy;

pub(crate) static RULES: &[&Rule] = &[&pod_security_policy::RULE];
