//! The internet edge: load balancer listeners, WAF, Shield, Network Firewall (G-NET-04, S-WAF, S-PROF).

use crate::engine::Rule;

pub(crate) static RULES: &[&Rule] = &[];
