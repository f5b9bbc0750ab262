//! SARIF 2.1.0, as GitHub code scanning and other viewers read it.
//!
//! Our own serde types cover the part of the format we write. A test validates
//! real output against the official OASIS schema
//! (`tests/schemas/sarif-schema-2.1.0.json`).
//!
//! GitHub-specific choices: `properties.security-severity` on each rule (GitHub
//! ranks security alerts by it, in its bands: critical 9.0+, high 7.0–8.9,
//! medium 4.0–6.9, low 0.1–3.9); `partialFingerprints` so alerts survive edits
//! elsewhere in a file; artifact URIs relative to `%SRCROOT%`, which is the
//! working directory rampart ran in (in CI, the repository root, which is what
//! GitHub resolves URIs against) — so URIs are the paths as the user gave them,
//! not relative to the scanned directory; columns counted in Unicode code
//! points, as rampart counts them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Write};

use rampart_config::Severity;
use rampart_rules::{Finding, RuleMeta, explain};
use rampart_source::{Diagnostic, DiagnosticLevel};
use serde::Serialize;

use crate::ScanReport;
use crate::common::{Elements, Region, help_uri, write_pretty};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/rampart-sec/rampart";
const SRCROOT: &str = "%SRCROOT%";
/// The key of rampart's line-independent fingerprint in `partialFingerprints`.
const FINGERPRINT_KEY: &str = "rampart/v1";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: [Invocation; 1],
    column_kind: &'static str,
    results: Elements,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    severity: &'static str,
    requirements: &'static [&'static str],
    #[serde(rename = "iso27001-2013")]
    iso27001_2013: Vec<&'static str>,
    #[serde(rename = "iso27001-2022")]
    iso27001_2022: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    descriptor: DescriptorReference,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

#[derive(Serialize)]
struct DescriptorReference {
    id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    properties: ResultProperties,
}

#[derive(Serialize)]
struct ResultProperties {
    severity: &'static str,
    resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    tier: Option<&'static str>,
    requirements: &'static [&'static str],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<SarifRegion>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

pub(crate) fn write(report: &ScanReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let rules = driver_rules(report);
    let index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, meta)| (meta.id, i))
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "rampart",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: rules.iter().map(|meta| descriptor(meta)).collect(),
                },
            },
            invocations: [Invocation {
                execution_successful: true,
                tool_execution_notifications: report.diagnostics.iter().map(notification).collect(),
            }],
            column_kind: "unicodeCodePoints",
            results: Elements,
        }],
    };
    write_pretty(&mut *out, &log, "results", report.findings, |f| {
        result(report, f, index.get(f.rule.id).copied().unwrap_or(0))
    })?;
    writeln!(out)
}

/// The rules that ran, plus any rule a finding cites that is not among them (the
/// filter stage reports suppression problems under rules it does not run), so
/// every `ruleIndex` resolves.
fn driver_rules(report: &ScanReport<'_>) -> Vec<&'static RuleMeta> {
    let mut rules: Vec<&'static RuleMeta> = Vec::new();
    let cited = report.findings.iter().map(|f| f.rule);
    for meta in report.rules.iter().map(|r| &r.meta).chain(cited) {
        if !rules.iter().any(|known| known.id == meta.id) {
            rules.push(meta);
        }
    }
    rules
}

fn descriptor(meta: &'static RuleMeta) -> ReportingDescriptor {
    let help = explain(meta);
    let iso_2013 = meta.iso27001_2013();
    let iso_2022 = meta.iso27001_2022();
    let mut tags = vec!["security".to_owned()];
    tags.extend(meta.requirements.iter().map(|r| (*r).to_owned()));
    tags.extend(iso_2013.iter().map(|c| format!("ISO 27001:2013 {c}")));
    tags.extend(iso_2022.iter().map(|c| format!("ISO 27001:2022 {c}")));
    // The schema requires tags to be unique.
    let mut seen = HashSet::new();
    tags.retain(|t| seen.insert(t.clone()));
    ReportingDescriptor {
        id: meta.id,
        name: meta.name,
        short_description: Text {
            text: meta.summary.to_owned(),
        },
        full_description: Text {
            text: meta.docs.what.trim().to_owned(),
        },
        help: Help {
            text: help.clone(),
            markdown: help,
        },
        help_uri: help_uri(meta),
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: RuleProperties {
            tags,
            security_severity: security_severity(meta.severity),
            severity: meta.severity.as_str(),
            requirements: meta.requirements,
            iso27001_2013: iso_2013,
            iso27001_2022: iso_2022,
        },
    }
}

fn result<'a>(report: &ScanReport<'a>, finding: &'a Finding, rule_index: usize) -> SarifResult<'a> {
    let file = report.project.file(finding.file);
    let region = Region::of(file, finding.span);
    let (uri, uri_base_id) = artifact_uri(&file.display_path);
    SarifResult {
        rule_id: finding.rule.id,
        rule_index,
        level: level(finding.severity),
        message: Text {
            text: report
                .redactions
                .scrub_finding(finding, &finding.message)
                .into_owned(),
        },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri, uri_base_id },
                region: Some(SarifRegion {
                    start_line: region.start_line,
                    start_column: Some(region.start_column),
                    end_line: Some(region.end_line),
                    end_column: Some(region.end_column),
                }),
            },
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, finding.fingerprint.as_str())]),
        properties: ResultProperties {
            severity: finding.severity.as_str(),
            resource: report
                .redactions
                .scrub_finding(finding, &finding.resource)
                .into_owned(),
            tier: finding.tier.map(|t| t.as_str()),
            requirements: finding.rule.requirements,
        },
    }
}

fn notification(diagnostic: &Diagnostic) -> Notification {
    let (uri, uri_base_id) = artifact_uri(&diagnostic.file);
    let region = diagnostic.line.filter(|l| *l > 0).map(|line| SarifRegion {
        start_line: line,
        start_column: diagnostic.column.filter(|c| *c > 0),
        end_line: None,
        end_column: None,
    });
    Notification {
        level: match diagnostic.level {
            DiagnosticLevel::Error => "error",
            DiagnosticLevel::Warning => "warning",
        },
        message: Text {
            text: diagnostic.message.clone(),
        },
        descriptor: DescriptorReference {
            id: diagnostic.code,
        },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri, uri_base_id },
                region,
            },
        }],
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity`, a number in a string, inside its bands.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// A path as a SARIF artifact URI: a relative path resolves against
/// `%SRCROOT%`; an absolute one becomes a `file:` URI. Characters that may not
/// appear in a URI path are percent-encoded (as is `:`, which would otherwise
/// read as a scheme in a relative reference).
fn artifact_uri(path: &str) -> (String, Option<&'static str>) {
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    let has_drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if has_drive {
        let (drive, rest) = path.split_at(2);
        (format!("file:///{drive}{}", percent_encode(rest)), None)
    } else if path.starts_with('/') {
        (format!("file://{}", percent_encode(&path)), None)
    } else {
        (percent_encode(&path), Some(SRCROOT))
    }
}

fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            );
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_against_the_source_root() {
        assert_eq!(
            artifact_uri("deploy/agents.yaml"),
            ("deploy/agents.yaml".to_owned(), Some(SRCROOT))
        );
        assert_eq!(
            artifact_uri("deploy\\my app/a:b#1%.yaml"),
            (
                "deploy/my%20app/a%3Ab%231%25.yaml".to_owned(),
                Some(SRCROOT)
            )
        );
        assert_eq!(
            artifact_uri("charts/é.yaml").0,
            "charts/%C3%A9.yaml".to_owned()
        );
    }

    #[test]
    fn absolute_paths_become_file_uris() {
        assert_eq!(
            artifact_uri("/srv/deploy/a b.yaml"),
            ("file:///srv/deploy/a%20b.yaml".to_owned(), None)
        );
        assert_eq!(
            artifact_uri("C:\\deploy\\a.yaml"),
            ("file:///C:/deploy/a.yaml".to_owned(), None)
        );
    }

    #[test]
    fn security_severities_sit_in_githubs_bands() {
        let band = |s: &str| s.parse::<f64>().unwrap();
        assert!(band(security_severity(Severity::Critical)) >= 9.0);
        assert!((7.0..9.0).contains(&band(security_severity(Severity::High))));
        assert!((4.0..7.0).contains(&band(security_severity(Severity::Medium))));
        assert!((0.1..4.0).contains(&band(security_severity(Severity::Low))));
        assert!((0.1..4.0).contains(&band(security_severity(Severity::Info))));
    }
}
