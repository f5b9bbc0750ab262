//! The rule engine and the rules.
//!
//! A rule is a pure function of the project model: it reads objects, workloads,
//! images or Dockerfiles and reports findings through a [`Sink`]; it does no I/O.
//! Each rule lives in its own file under `rules/<domain>/`, with its metadata and
//! documentation beside the check, so `rampart explain`, the rules reference and
//! the SARIF help text are all generated from one place.
//!
//! Rules cite requirement ids of the requirements catalogue; their ISO 27001
//! controls are derived from those ids, never typed twice.

use std::collections::HashMap;
use std::sync::OnceLock;

mod docs;
mod engine;
mod fingerprint;
mod literals;
mod redaction;
mod registry;
mod requirements;
mod rules;
mod secrets;
mod unless;

pub use docs::{explain, rules_reference};
pub use engine::{
    Check, Context, EvalOptions, Example, Finding, Findings, IacResource, Language, Phase, Rule,
    RuleDocs, RuleMeta, Sink, Unless, evaluate, evaluate_infrastructure_parts, evaluate_manifests,
    evaluate_phase, quoted_lines, sort_findings,
};
pub use fingerprint::fingerprint;
pub use redaction::{Redactions, scrub_credentials};
pub use registry::{all_rules, find_rule, is_known_selector, select_rules};
pub use secrets::{
    SecretMatch, compile_credential_patterns, find_credentials, is_secret_name,
    secret_in_assignment,
};

/// A row of the requirements catalogue.
#[derive(Debug)]
pub struct Requirement {
    pub id: &'static str,
    pub summary: &'static str,
    /// The catalogue's proposed severity (`High`, `Info (roll-up)`, …).
    pub severity: &'static str,
    pub iso27001_2013: &'static [&'static str],
    pub iso27001_2022: &'static [&'static str],
}

/// The catalogue row of a requirement id.
pub fn requirement(id: &str) -> Option<&'static Requirement> {
    // Reports look up every finding's requirements: a scan over the catalogue
    // each time cost more than writing the report.
    static BY_ID: OnceLock<HashMap<&'static str, &'static Requirement>> = OnceLock::new();
    BY_ID
        .get_or_init(|| {
            let mut by_id = HashMap::new();
            // The first row of an id wins, as the scan did.
            for row in requirements::REQUIREMENTS.iter().rev() {
                by_id.insert(row.id, row);
            }
            by_id
        })
        .get(id)
        .copied()
}

/// Every requirement of the catalogue, in catalogue order.
pub fn requirements() -> &'static [Requirement] {
    requirements::REQUIREMENTS
}

/// The meta rules reported by the filter stage (suppressions), by id.
pub mod meta {
    pub use crate::rules::meta::{SUPPRESSION_WITHOUT_REASON, UNUSED_SUPPRESSION};
}
