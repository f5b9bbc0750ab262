//! RBAC and service account tokens: least privilege inside the cluster (P-IIA, G-SEC-02).

use crate::engine::Rule;

pub(crate) static RULES: &[&Rule] = &[];
