//! The per-tier network security profile of seed 003
//! (`get_network_security_profile`), as configuration.

use serde::{Deserialize, Serialize};

use crate::values::{Cidr, CountryCode, RetentionDays};
use crate::{PodSecurityLevel, Tier};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DdosProtection {
    ShieldAdvanced,
    ShieldStandard,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkFirewall {
    Stateless,
    StatefulBasic,
    StatefulWithIds,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecurityMonitoring {
    Daily,
    Hourly,
    RealTime,
}

/// What a tier requires. Defaults are the values of seed 003, except the Pod
/// Security level of the high tier, which the seed leaves unspecified
/// ("similar configuration", requirements C-28) and rampart sets to `restricted`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct TierProfile {
    /// Pod Security Standards level the tier's namespaces must enforce and its pods must meet.
    pub pod_security: PodSecurityLevel,
    /// WAF rate limit per client, requests per minute.
    pub rate_limit_per_minute: u32,
    /// Countries allowed by the WAF geo rule; empty means no geographic restriction.
    pub allowed_countries: Vec<CountryCode>,
    /// Source ranges allowed by the WAF IP allowlist; empty means no IP restriction.
    pub allowed_ip_ranges: Vec<Cidr>,
    pub ddos_protection: DdosProtection,
    pub network_firewall: NetworkFirewall,
    /// Flow-log retention; the checker never requires less than the policy's 90 days.
    pub flow_logs_retention_days: RetentionDays,
    pub security_monitoring: SecurityMonitoring,
}

impl TierProfile {
    pub fn seed(tier: Tier) -> Self {
        let country = |c: &str| CountryCode::parse(c).ok();
        let cidr = |c: &str| Cidr::parse(c).ok();
        match tier {
            Tier::Critical => Self {
                pod_security: PodSecurityLevel::Restricted,
                rate_limit_per_minute: 100,
                allowed_countries: ["US", "CA", "GB", "AU"]
                    .into_iter()
                    .filter_map(country)
                    .collect(),
                allowed_ip_ranges: ["10.0.0.0/8", "172.16.0.0/12"]
                    .into_iter()
                    .filter_map(cidr)
                    .collect(),
                ddos_protection: DdosProtection::ShieldAdvanced,
                network_firewall: NetworkFirewall::StatefulWithIds,
                flow_logs_retention_days: RetentionDays(365),
                security_monitoring: SecurityMonitoring::RealTime,
            },
            Tier::High => Self {
                pod_security: PodSecurityLevel::Restricted,
                rate_limit_per_minute: 500,
                allowed_countries: Vec::new(),
                allowed_ip_ranges: Vec::new(),
                ddos_protection: DdosProtection::ShieldStandard,
                network_firewall: NetworkFirewall::StatefulBasic,
                flow_logs_retention_days: RetentionDays(90),
                security_monitoring: SecurityMonitoring::Hourly,
            },
            Tier::Standard => Self {
                pod_security: PodSecurityLevel::Baseline,
                rate_limit_per_minute: 1000,
                allowed_countries: Vec::new(),
                allowed_ip_ranges: Vec::new(),
                ddos_protection: DdosProtection::ShieldStandard,
                network_firewall: NetworkFirewall::Stateless,
                flow_logs_retention_days: RetentionDays(30),
                security_monitoring: SecurityMonitoring::Daily,
            },
        }
    }

    fn apply(mut self, partial: PartialProfile) -> Self {
        if let Some(v) = partial.pod_security {
            self.pod_security = v;
        }
        if let Some(v) = partial.rate_limit_per_minute {
            self.rate_limit_per_minute = v.0;
        }
        if let Some(v) = partial.allowed_countries {
            self.allowed_countries = v;
        }
        if let Some(v) = partial.allowed_ip_ranges {
            self.allowed_ip_ranges = v;
        }
        if let Some(v) = partial.ddos_protection {
            self.ddos_protection = v;
        }
        if let Some(v) = partial.network_firewall {
            self.network_firewall = v;
        }
        if let Some(v) = partial.flow_logs_retention_days {
            self.flow_logs_retention_days = v;
        }
        if let Some(v) = partial.security_monitoring {
            self.security_monitoring = v;
        }
        self
    }
}

/// A positive rate: AWS WAF rate-based rules accept no limit below 10 per window,
/// and a zero rate would block everything.
#[derive(Clone, Copy, Debug)]
struct Rate(u32);

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = u32::deserialize(deserializer)?;
        if value == 0 {
            return Err(serde::de::Error::custom(
                "a rate limit must be at least 1 request per minute",
            ));
        }
        Ok(Self(value))
    }
}

/// A profile as written in `rampart.toml`: every key optional, the rest taken
/// from the tier's seed defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct PartialProfile {
    pod_security: Option<PodSecurityLevel>,
    rate_limit_per_minute: Option<Rate>,
    allowed_countries: Option<Vec<CountryCode>>,
    allowed_ip_ranges: Option<Vec<Cidr>>,
    ddos_protection: Option<DdosProtection>,
    network_firewall: Option<NetworkFirewall>,
    flow_logs_retention_days: Option<RetentionDays>,
    security_monitoring: Option<SecurityMonitoring>,
}

/// `[tiers]`: how tiers are read and what each requires.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "RawTiers", rename_all = "kebab-case")]
pub struct TierSettings {
    /// Label (Kubernetes) and tag (AWS) keys that carry a tier, first match wins.
    pub label_keys: Vec<String>,
    pub critical: TierProfile,
    pub high: TierProfile,
    pub standard: TierProfile,
}

impl Default for TierSettings {
    fn default() -> Self {
        RawTiers::default().into()
    }
}

impl TierSettings {
    pub fn profile(&self, tier: Tier) -> &TierProfile {
        match tier {
            Tier::Critical => &self.critical,
            Tier::High => &self.high,
            Tier::Standard => &self.standard,
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTiers {
    label_keys: Option<LabelKeys>,
    #[serde(default)]
    critical: PartialProfile,
    #[serde(default)]
    high: PartialProfile,
    #[serde(default)]
    standard: PartialProfile,
}

struct LabelKeys(Vec<String>);

impl<'de> Deserialize<'de> for LabelKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let keys = Vec::<String>::deserialize(deserializer)?;
        if keys.is_empty() || keys.iter().any(|k| k.trim().is_empty()) {
            return Err(serde::de::Error::custom(
                "label-keys needs at least one non-empty key",
            ));
        }
        Ok(Self(keys))
    }
}

impl From<RawTiers> for TierSettings {
    fn from(raw: RawTiers) -> Self {
        Self {
            label_keys: raw.label_keys.map_or_else(
                || {
                    vec![
                        "agent-classification".to_owned(),
                        "classification".to_owned(),
                    ]
                },
                |k| k.0,
            ),
            critical: TierProfile::seed(Tier::Critical).apply(raw.critical),
            high: TierProfile::seed(Tier::High).apply(raw.high),
            standard: TierProfile::seed(Tier::Standard).apply(raw.standard),
        }
    }
}
