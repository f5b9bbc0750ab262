//! Where the baseline departs from seed 003, and inventories that cannot be rendered.

use rampart_config::{Config, Tier};

use crate::Conflict;
use crate::inventory::Inventory;

/// One place where the generated baseline does something other than seed 003 says,
/// and why. The README of the output lists them all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deviation {
    /// What seed 003 says, briefly and in its own terms.
    pub seed: &'static str,
    /// What the baseline does instead.
    pub generated: &'static str,
    /// Why: the fact that makes the seed's version wrong or undeployable.
    pub why: &'static str,
    /// The contradiction and requirement ids of `requirements.md` (`C-03`, `S-SUB-06`).
    pub refs: &'static [&'static str],
}

/// Inventory values the scan would reject under `config`'s tier profiles: rendering
/// them would produce a baseline that is not clean by construction.
pub(crate) fn conflicts(inventory: &Inventory, config: &Config) -> Vec<Conflict> {
    let mut conflicts = Vec::new();
    let critical = config.tiers.profile(Tier::Critical);
    let platform = &inventory.platform;
    if !critical.allowed_countries.is_empty() {
        let outside: Vec<&str> = platform
            .allowed_countries
            .iter()
            .filter(|c| !critical.allowed_countries.contains(c))
            .map(|c| c.as_str())
            .collect();
        if !outside.is_empty() {
            conflicts.push(Conflict {
                key: "platform.allowed-countries",
                message: format!(
                    "{} {} not in the critical tier's allowed countries of the configuration ({}); narrow the inventory or change `[tiers.critical] allowed-countries` in rampart.toml",
                    outside.join(", "),
                    if outside.len() == 1 { "is" } else { "are" },
                    critical
                        .allowed_countries
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    if !critical.allowed_ip_ranges.is_empty() {
        let outside: Vec<String> = platform
            .ip_allowlist
            .iter()
            .filter(|range| {
                !critical
                    .allowed_ip_ranges
                    .iter()
                    .any(|allowed| match allowed.0 {
                        ipnet::IpNet::V4(allowed) => allowed.contains(*range),
                        ipnet::IpNet::V6(_) => false,
                    })
            })
            .map(ToString::to_string)
            .collect();
        if !outside.is_empty() {
            conflicts.push(Conflict {
                key: "platform.ip-allowlist",
                message: format!(
                    "{} {} outside the critical tier's allowed IP ranges of the configuration ({}); narrow the inventory or change `[tiers.critical] allowed-ip-ranges` in rampart.toml",
                    outside.join(", "),
                    if outside.len() == 1 { "is" } else { "are" },
                    critical
                        .allowed_ip_ranges
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    conflicts
}
