//! Where the baseline departs from seed 003, and inventories that cannot be rendered.

use rampart_config::Tier;
use rampart_model::aws::compute::{EKS_RELEASES_CHECKED, KubeVersion, Support, eks_support};

use crate::terraform::security_groups;
use crate::{Conflict, Context};

/// An application load balancer holds 100 listener rules and 100 target groups.
const MAX_AGENTS_PER_TIER: usize = 100;

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
pub(crate) fn conflicts(context: &Context<'_>) -> Vec<Conflict> {
    let (inventory, config) = (context.inventory, context.config);
    let mut conflicts = Vec::new();
    for tier in Tier::ALL {
        let agents = inventory.agents_of(tier).count();
        if agents > MAX_AGENTS_PER_TIER {
            conflicts.push(Conflict {
                key: "agents",
                message: format!(
                    "the {tier} tier has {agents} agents; its load balancer holds at most {MAX_AGENTS_PER_TIER} listener rules and target groups, one per agent"
                ),
            });
        }
    }
    for problem in security_groups::over_quota(context) {
        conflicts.push(Conflict {
            key: "agents",
            message: format!("the agents' flows do not fit one security group: {problem}; use fewer distinct ports per tier"),
        });
    }
    if security_groups::critical_entry_unreachable(context) {
        conflicts.push(Conflict {
            key: "platform.ip-allowlist",
            message: format!(
                "every range lies inside the VPC ({}): the critical tier's load balancer would admit no client; list the ranges the critical agents' clients call from",
                inventory.platform.vpc_cidr
            ),
        });
    }
    if let Some(message) = unsupported_eks_version(&inventory.platform.eks_version) {
        conflicts.push(Conflict {
            key: "platform.eks-version",
            message,
        });
    }
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

/// Why `version` would be reported by the scan (EKS-002), if it would: only versions
/// in EKS standard support on the day the release calendar was last checked are
/// generated (S-EKS-01, C-04).
fn unsupported_eks_version(version: &str) -> Option<String> {
    let parsed = KubeVersion::parse(version)?;
    let supported = || {
        rampart_model::aws::compute::EKS_RELEASES
            .iter()
            .filter(|r| {
                matches!(
                    eks_support(r.version, EKS_RELEASES_CHECKED),
                    Support::Standard { .. }
                )
            })
            .map(|r| format!("{}.{}", r.version.major, r.version.minor))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match eks_support(parsed, EKS_RELEASES_CHECKED) {
        Support::Standard { .. } => None,
        Support::NotInTable => Some(format!(
            "Kubernetes {version} is not in rampart's EKS release calendar (checked {EKS_RELEASES_CHECKED}); EKS supports {} in standard support",
            supported()
        )),
        Support::Extended { standard_ended, .. } => Some(format!(
            "Kubernetes {version} left EKS standard support on {standard_ended}; choose one of {}",
            supported()
        )),
        Support::Ended { ended, .. } => Some(format!(
            "Kubernetes {version} is no longer supported by EKS (support ended by {ended}); choose one of {}",
            supported()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_versions_in_standard_support_are_generated() {
        assert_eq!(unsupported_eks_version("1.35"), None);
        let extended = unsupported_eks_version("1.33").unwrap();
        assert!(
            extended.starts_with(
                "Kubernetes 1.33 left EKS standard support on 2026-07-29; choose one of 1.34, 1.35"
            ),
            "{extended}"
        );
        assert!(
            unsupported_eks_version("1.27")
                .unwrap()
                .contains("no longer supported")
        );
        assert!(
            unsupported_eks_version("1.99")
                .unwrap()
                .contains("not in rampart's EKS release calendar")
        );
    }
}
