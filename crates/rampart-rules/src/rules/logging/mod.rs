//! Logging and monitoring: CloudTrail, flow logs, control-plane logs, retention, GuardDuty (G-MON, P-IVB, S-PROF-FLOW, S-PROF-MON).

use crate::engine::Rule;

pub(crate) static RULES: &[&Rule] = &[];
