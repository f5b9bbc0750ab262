//! Infrastructure as code itself: changes made outside it.

use crate::engine::Rule;

mod drift;

pub(crate) static RULES: &[&Rule] = &[&drift::RULE];
