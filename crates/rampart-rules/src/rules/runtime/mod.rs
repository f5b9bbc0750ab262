//! Runtime security: Falco's rules files and configuration.

use crate::engine::Rule;

mod falco_alerts_lost;
mod falco_config_weakened;
mod falco_rule_never_fires;
mod falco_rules_do_not_load;

pub(crate) static RULES: &[&Rule] = &[
    &falco_rules_do_not_load::RULE,
    &falco_rule_never_fires::RULE,
    &falco_alerts_lost::RULE,
    &falco_config_weakened::RULE,
];
