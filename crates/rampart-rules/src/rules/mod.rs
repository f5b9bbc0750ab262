//! The rules, one per file, grouped by domain. Each domain module lists its
//! rules in `RULES`; adding a rule means adding its file and one line there.

use crate::engine::Rule;

pub(crate) mod access;
pub(crate) mod admission;
pub(crate) mod aws_network;
pub(crate) mod compute;
pub(crate) mod credentials;
pub(crate) mod data;
pub(crate) mod dockerfile;
pub(crate) mod edge;
pub(crate) mod exposure;
pub(crate) mod iac;
pub(crate) mod iam;
pub(crate) mod logging;
pub(crate) mod meta;
pub(crate) mod network_policy;
pub(crate) mod pod_security;
pub(crate) mod removed_apis;
pub(crate) mod resources;
pub(crate) mod runtime;
pub(crate) mod storage;
pub(crate) mod supply_chain;
pub(crate) mod tiers;

/// Every rule of every domain.
pub(crate) fn all() -> Vec<&'static Rule> {
    [
        pod_security::RULES,
        resources::RULES,
        supply_chain::RULES,
        credentials::RULES,
        exposure::RULES,
        access::RULES,
        admission::RULES,
        removed_apis::RULES,
        tiers::RULES,
        network_policy::RULES,
        dockerfile::RULES,
        iac::RULES,
        aws_network::RULES,
        logging::RULES,
        edge::RULES,
        compute::RULES,
        data::RULES,
        storage::RULES,
        iam::RULES,
        runtime::RULES,
        meta::RULES,
    ]
    .concat()
}
