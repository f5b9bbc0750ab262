//! Tiers: every resource carries one, they agree along the chain, and each tier
//! gets the isolation its profile requires (S-INV-01, S-PSS-01, S-NODE-09).

use crate::engine::Rule;

pub(crate) static RULES: &[&Rule] = &[];
