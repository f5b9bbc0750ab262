//! Compute: EKS clusters, node groups, launch templates (S-EKS, S-NODE).

use crate::engine::Rule;

pub(crate) static RULES: &[&Rule] = &[];
