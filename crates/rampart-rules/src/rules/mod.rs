//! The rules, one per file, grouped by domain. Each domain module lists its
//! rules in `RULES`; adding a rule means adding its file and one line there.

use crate::engine::Rule;

pub(crate) mod dockerfile;
pub(crate) mod meta;
pub(crate) mod network_policy;
pub(crate) mod pod_security;

/// Every rule of every domain.
pub(crate) fn all() -> Vec<&'static Rule> {
    [
        pod_security::RULES,
        network_policy::RULES,
        dockerfile::RULES,
        meta::RULES,
    ]
    .concat()
}
