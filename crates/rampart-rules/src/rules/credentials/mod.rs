//! Secrets committed in manifests (P-IIB2, G-CFG-02).

use crate::engine::Rule;

pub(crate) static RULES: &[&Rule] = &[];
