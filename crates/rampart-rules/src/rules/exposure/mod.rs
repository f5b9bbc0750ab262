//! What a manifest exposes outside the cluster (G-NET-07, G-NET-04).

use crate::engine::Rule;

pub(crate) static RULES: &[&Rule] = &[];
