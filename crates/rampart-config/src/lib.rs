//! `rampart.toml`: everything about a scan that is a matter of policy or
//! environment rather than code.
//!
//! Every key has a default (for tier profiles, the values of seed 003), so an
//! empty file, or none at all, is a valid configuration. Unknown keys, wrong
//! types and invalid values (a CIDR with host bits, a country that does not
//! exist, a retention CloudWatch does not accept) stop the run with an error that
//! names the file, the line and the key.

mod profile;
mod values;
mod vocabulary;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
pub use toml::Spanned;

pub use profile::{DdosProtection, NetworkFirewall, SecurityMonitoring, TierProfile, TierSettings};
pub use values::{ByteSize, Cidr, CountryCode, RetentionDays};
pub use vocabulary::{PodSecurityLevel, Severity, Tier};

/// The name searched for, upward from the scanned path.
pub const FILE_NAME: &str = "rampart.toml";

/// The effective configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Config {
    pub scan: ScanSettings,
    pub tiers: TierSettings,
    pub images: ImageSettings,
    pub kubernetes: KubernetesSettings,
    pub rules: RuleSettings,
}

/// `[scan]`: what is read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ScanSettings {
    /// Glob patterns of paths to skip, in `.gitignore` syntax.
    pub exclude: Vec<GlobPattern>,
    /// Files larger than this are reported and skipped.
    pub max_file_size: ByteSize,
    /// Skip what `.gitignore`, `.ignore` and git's exclude files ignore.
    pub respect_gitignore: bool,
}

impl Default for ScanSettings {
    fn default() -> Self {
        Self {
            exclude: Vec::new(),
            max_file_size: ByteSize(16 << 20),
            respect_gitignore: true,
        }
    }
}

/// A glob pattern, checked when the configuration is read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct GlobPattern(pub String);

impl<'de> Deserialize<'de> for GlobPattern {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        globset::Glob::new(&text).map_err(|e| {
            serde::de::Error::custom(format!("`{text}` is not a valid glob: {}", e.kind()))
        })?;
        Ok(Self(text))
    }
}

/// `[images]`: the supply chain.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ImageSettings {
    /// Registries (optionally with a path prefix) that images may come from, such as
    /// `123456789012.dkr.ecr.us-east-1.amazonaws.com` or `ghcr.io/acme`. Empty means
    /// the approved-registry rule has nothing to check against and stays silent.
    pub approved_registries: Vec<String>,
}

/// `[kubernetes]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct KubernetesSettings {
    /// Namespaces managed by the platform, not by agent teams; tier, NetworkPolicy
    /// and Pod Security namespace rules skip them.
    pub exempt_namespaces: Vec<String>,
    /// Namespaces whose job is to receive internet traffic (ingress controllers);
    /// they may expose load balancers and accept ingress from anywhere.
    pub edge_namespaces: Vec<String>,
    /// Pod Security level required of pods that carry no tier.
    pub untiered_pod_security: PodSecurityLevel,
    pub critical_nodes: CriticalNodes,
}

impl Default for KubernetesSettings {
    fn default() -> Self {
        Self {
            exempt_namespaces: ["kube-system", "kube-public", "kube-node-lease"]
                .map(String::from)
                .to_vec(),
            edge_namespaces: vec!["ingress-controller".to_owned()],
            untiered_pod_security: PodSecurityLevel::Restricted,
            critical_nodes: CriticalNodes::default(),
        }
    }
}

/// How critical nodes are marked (seed 003: taint `agent-classification=critical:NoSchedule`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct CriticalNodes {
    pub taint_key: String,
    pub taint_value: String,
    pub taint_effect: TaintEffect,
    /// The node label critical pods must select (taints repel, they do not attract).
    pub label_key: String,
    pub label_value: String,
}

impl Default for CriticalNodes {
    fn default() -> Self {
        Self {
            taint_key: "agent-classification".to_owned(),
            taint_value: "critical".to_owned(),
            taint_effect: TaintEffect::NoSchedule,
            label_key: "agent-classification".to_owned(),
            label_value: "critical".to_owned(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

impl TaintEffect {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoSchedule => "NoSchedule",
            Self::PreferNoSchedule => "PreferNoSchedule",
            Self::NoExecute => "NoExecute",
        }
    }
}

/// `[rules]`: which rules run and how severe their findings are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct RuleSettings {
    /// Rule ids (`PSS-001`), names (`privileged-container`), id prefixes (`PSS`) or `ALL`.
    pub select: Vec<Spanned<String>>,
    /// As `select`; wins over it.
    pub ignore: Vec<Spanned<String>>,
    /// Default severity per rule id or name.
    pub severity: BTreeMap<Spanned<String>, Severity>,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            select: vec![Spanned::new(0..0, "ALL".to_owned())],
            ignore: Vec::new(),
            severity: BTreeMap::new(),
        }
    }
}

/// A configuration and the file it came from.
#[derive(Clone, Debug, Default)]
pub struct LoadedConfig {
    pub config: Config,
    /// `None` when no file was found and the defaults apply.
    pub source: Option<ConfigSource>,
}

#[derive(Clone, Debug)]
pub struct ConfigSource {
    pub path: PathBuf,
    pub text: String,
}

impl LoadedConfig {
    /// Reads a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.display().to_string(),
            line: None,
            column: None,
            message: format!("cannot read the configuration: {e}"),
        })?;
        Self::parse(path, text)
    }

    /// Parses configuration text (`path` is used in errors).
    pub fn parse(path: &Path, text: String) -> Result<Self, ConfigError> {
        match toml::from_str::<Config>(&text) {
            Ok(config) => Ok(Self {
                config,
                source: Some(ConfigSource {
                    path: path.to_owned(),
                    text,
                }),
            }),
            Err(error) => {
                let source = ConfigSource {
                    path: path.to_owned(),
                    text,
                };
                let span = error.span().unwrap_or(0..0);
                Err(source.error_at(span, error.message()))
            }
        }
    }

    /// Finds `rampart.toml` in `start` (a file's directory, or the directory itself)
    /// or the nearest ancestor; the defaults apply when there is none.
    pub fn discover(start: &Path) -> Result<Self, ConfigError> {
        let start = if start.is_dir() {
            start.to_path_buf()
        } else {
            start.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let start = if start.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            start
        };
        let absolute = std::path::absolute(&start).unwrap_or(start);
        for dir in absolute.ancestors() {
            let candidate = dir.join(FILE_NAME);
            if candidate.is_file() {
                return Self::load(&candidate);
            }
        }
        Ok(Self::default())
    }

    /// An error pointing at `span` of the configuration file (used for values that
    /// can only be checked later, such as rule ids).
    pub fn error_at(&self, span: Range<usize>, message: &str) -> ConfigError {
        match &self.source {
            Some(source) if span != (0..0) => source.error_at(span, message),
            Some(source) => ConfigError {
                path: source.path.display().to_string(),
                line: None,
                column: None,
                message: message.to_owned(),
            },
            None => ConfigError {
                path: "command line".to_owned(),
                line: None,
                column: None,
                message: message.to_owned(),
            },
        }
    }

    /// The effective configuration as TOML, with a header saying where it came from.
    pub fn to_toml(&self) -> String {
        let origin = match &self.source {
            Some(source) => format!("# from {}", source.path.display()),
            None => format!("# no {FILE_NAME} found: built-in defaults (seed 003 values)"),
        };
        let body = toml::to_string_pretty(&self.config)
            .unwrap_or_else(|e| format!("# cannot render the configuration: {e}\n"));
        format!("# effective rampart configuration\n{origin}\n\n{body}")
    }
}

impl ConfigSource {
    fn error_at(&self, span: Range<usize>, message: &str) -> ConfigError {
        let offset = span.start.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = self
            .text
            .get(line_start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        let line_text = self.text[line_start..].lines().next().unwrap_or_default();
        let message = message.trim();
        // Name the key when the error sits on a `key = value` line and the message
        // does not already say which key it is about.
        let message = match key_of(line_text) {
            Some(key) if !message.contains(&format!("`{key}`")) => format!("`{key}`: {message}"),
            _ => message.to_owned(),
        };
        ConfigError {
            path: self.path.display().to_string(),
            line: u32::try_from(line).ok(),
            column: u32::try_from(column).ok(),
            message,
        }
    }
}

fn key_of(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    .then_some(key)
}

/// A configuration problem; the run stops (exit code 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "{}:{line}:{column}: {}", self.path, self.message)
            }
            _ => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<LoadedConfig, ConfigError> {
        LoadedConfig::parse(Path::new("rampart.toml"), text.to_owned())
    }

    #[test]
    fn empty_file_gives_seed_defaults() {
        let loaded = parse("").unwrap();
        let tiers = &loaded.config.tiers;
        assert_eq!(tiers.critical.rate_limit_per_minute, 100);
        assert_eq!(tiers.high.rate_limit_per_minute, 500);
        assert_eq!(tiers.standard.flow_logs_retention_days, RetentionDays(30));
        assert_eq!(tiers.critical.allowed_countries.len(), 4);
        assert_eq!(tiers.label_keys, ["agent-classification", "classification"]);
        assert_eq!(loaded.config.scan.max_file_size, ByteSize(16 << 20));
    }

    #[test]
    fn partial_profile_keeps_the_tiers_other_defaults() {
        let loaded = parse("[tiers.critical]\nrate-limit-per-minute = 50\n").unwrap();
        let critical = &loaded.config.tiers.critical;
        assert_eq!(critical.rate_limit_per_minute, 50);
        assert_eq!(critical.flow_logs_retention_days, RetentionDays(365));
    }

    #[test]
    fn a_file_size_rampart_cannot_index_names_its_line() {
        for value in ["\"4GiB\"", "4294967296"] {
            let err = parse(&format!("[scan]\n\nmax-file-size = {value}\n")).unwrap_err();
            assert_eq!(err.line, Some(3), "{value}");
            assert!(err.message.contains("at most 4 GiB"), "{}", err.message);
        }
    }

    #[test]
    fn unknown_keys_name_file_line_and_key() {
        let err = parse("[tiers]\nlabel-keys = [\"tier\"]\n\n[tiers.critical]\nrate-limit = 5\n")
            .unwrap_err();
        assert_eq!(err.path, "rampart.toml");
        assert_eq!(err.line, Some(5));
        assert!(err.message.contains("rate-limit"), "{}", err.message);
    }

    #[test]
    fn wrong_types_and_invalid_values_are_errors_at_their_line() {
        let err = parse("[tiers.high]\nrate-limit-per-minute = \"fast\"\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(
            err.message.contains("rate-limit-per-minute"),
            "{}",
            err.message
        );

        let err = parse("[tiers.critical]\nallowed-ip-ranges = [\"10.0.0.1/8\"]\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("host bits"), "{}", err.message);

        let err = parse("[tiers.critical]\nallowed-countries = [\"UK\"]\n").unwrap_err();
        assert!(err.message.contains("ISO 3166"), "{}", err.message);

        let err = parse("[tiers.standard]\nflow-logs-retention-days = 45\n").unwrap_err();
        assert!(err.message.contains("45"), "{}", err.message);

        let err = parse("[scan]\nexclude = [\"a/[b\"]\n").unwrap_err();
        assert_eq!(err.line, Some(2));

        let err = parse("[rules.severity]\nPSS-001 = \"severe\"\n").unwrap_err();
        assert!(err.to_string().starts_with("rampart.toml:2:"), "{err}");
    }

    #[test]
    fn rule_selectors_keep_their_spans() {
        let loaded = parse("[rules]\nselect = [\"PSS\", \"NOPE-1\"]\n").unwrap();
        let nope = &loaded.config.rules.select[1];
        let err = loaded.error_at(nope.span(), "unknown rule `NOPE-1`");
        assert_eq!((err.line, err.column), (Some(2), Some(18)));
    }

    #[test]
    fn effective_configuration_round_trips() {
        let loaded = parse("[images]\napproved-registries = [\"ghcr.io/acme\"]\n").unwrap();
        let rendered = loaded.to_toml();
        assert!(rendered.contains("ghcr.io/acme"));
        let again = parse(&rendered).unwrap();
        assert_eq!(again.config, loaded.config);
    }

    #[test]
    fn discovery_walks_upward() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            "[images]\napproved-registries = [\"r.example\"]\n",
        )
        .unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        let loaded = LoadedConfig::discover(&nested).unwrap();
        assert_eq!(loaded.config.images.approved_registries, ["r.example"]);
    }
}
