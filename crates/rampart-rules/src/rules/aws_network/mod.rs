//! AWS network exposure: security groups, subnets, routes (G-NET, S-SG, S-SUB).

use crate::engine::Rule;

pub(crate) static RULES: &[&Rule] = &[];
