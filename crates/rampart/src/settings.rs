//! The configuration a run uses: `rampart.toml` (found or given), validated
//! against the rule set, with command-line options applied over it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rampart_config::{ConfigError, LoadedConfig, Severity, Spanned};
use rampart_rules::{Rule, find_rule, is_known_selector, select_rules};

use crate::Failure;

/// Reads the configuration: the given file, or `rampart.toml` upward from `start`.
pub fn load_config(explicit: Option<&Path>, start: &Path) -> Result<LoadedConfig, Failure> {
    let loaded = match explicit {
        Some(path) => LoadedConfig::load(path),
        None => LoadedConfig::discover(start),
    }
    .map_err(config_failure)?;
    validate_rule_names(&loaded)?;
    Ok(loaded)
}

fn config_failure(error: ConfigError) -> Failure {
    Failure::Config(error.to_string())
}

/// Rule selectors and severity keys can only be checked against the rule set,
/// which the configuration crate does not know; check them here, at their line.
fn validate_rule_names(loaded: &LoadedConfig) -> Result<(), Failure> {
    let rules = &loaded.config.rules;
    let selectors = rules.select.iter().chain(rules.ignore.iter());
    for selector in selectors {
        if !is_known_selector(selector.get_ref()) {
            return Err(config_failure(loaded.error_at(
                selector.span(),
                &format!(
                    "`{}` names no rule (use a rule id such as PSS-001, a name, a family such as PSS, or ALL; `rampart rules` lists them)",
                    selector.get_ref()
                ),
            )));
        }
    }
    for key in rules.severity.keys() {
        if find_rule(key.get_ref()).is_none() {
            return Err(config_failure(loaded.error_at(
                key.span(),
                &format!(
                    "`{}` is not a rule id or name; `rampart rules` lists them",
                    key.get_ref()
                ),
            )));
        }
    }
    Ok(())
}

/// The rules a scan runs: the configuration's `select`/`ignore`, with
/// `--select` replacing `select` and `--ignore` adding to `ignore`.
pub fn selected_rules(
    loaded: &LoadedConfig,
    cli_select: &[String],
    cli_ignore: &[String],
) -> Result<Vec<&'static Rule>, Failure> {
    for selector in cli_select.iter().chain(cli_ignore) {
        if !is_known_selector(selector) {
            return Err(Failure::Usage(format!(
                "`{selector}` names no rule (use a rule id such as PSS-001, a name, a family such as PSS, or ALL; `rampart rules` lists them)"
            )));
        }
    }
    let texts = |list: &[Spanned<String>]| -> Vec<String> {
        list.iter().map(|s| s.get_ref().clone()).collect()
    };
    let select = if cli_select.is_empty() {
        texts(&loaded.config.rules.select)
    } else {
        cli_select.to_vec()
    };
    let mut ignore = texts(&loaded.config.rules.ignore);
    ignore.extend(cli_ignore.iter().cloned());
    let rules = select_rules(&select, &ignore);
    if rules.is_empty() {
        // A scan that checks nothing would pass every gate.
        return Err(Failure::Usage(format!(
            "no rule is selected (select: {}; ignore: {}); nothing would be checked",
            if select.is_empty() {
                "nothing".to_owned()
            } else {
                select.join(", ")
            },
            if ignore.is_empty() {
                "nothing".to_owned()
            } else {
                ignore.join(", ")
            },
        )));
    }
    Ok(rules)
}

/// `[rules.severity]` by rule id.
pub fn severity_overrides(loaded: &LoadedConfig) -> HashMap<&'static str, Severity> {
    loaded
        .config
        .rules
        .severity
        .iter()
        .filter_map(|(key, severity)| find_rule(key.get_ref()).map(|r| (r.meta.id, *severity)))
        .collect()
}

/// Where configuration discovery starts for a scan: the first real path, or the
/// working directory when reading standard input.
pub fn discovery_start(paths: &[PathBuf]) -> PathBuf {
    paths
        .iter()
        .find(|p| p.as_os_str() != "-")
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."))
}
