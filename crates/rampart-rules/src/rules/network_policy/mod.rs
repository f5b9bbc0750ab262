//! NetworkPolicy: default deny per namespace, and what the allow rules let through.

use crate::engine::Rule;

mod missing_default_deny;

pub(crate) static RULES: &[&Rule] = &[&missing_default_deny::RULE];
