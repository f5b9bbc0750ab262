//! Kubernetes APIs that no longer exist: manifests that look like controls but enforce nothing.

use crate::engine::Rule;

pub(crate) static RULES: &[&Rule] = &[];
