//! Admission control: policies and webhooks that must fail closed and deny (S-ADM).

use crate::engine::Rule;

mod fails_open;

pub(crate) static RULES: &[&Rule] = &[&fails_open::RULE];
