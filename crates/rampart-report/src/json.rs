//! The JSON report: a versioned contract for scripts and dashboards.
//!
//! `docs/json-report.md` documents every field and
//! `docs/schemas/rampart-report-v1.schema.json` is its JSON Schema; a test
//! validates real output against it. Adding a field keeps version 1; removing or
//! renaming one, or changing its meaning or type, makes it version 2.

use std::collections::HashMap;
use std::io::{self, Write};

use rampart_rules::Finding;
use rampart_source::Diagnostic;
use serde::Serialize;

use crate::ScanReport;
use crate::common::{Elements, Region, help_uri, severity_counts, write_pretty};

pub(crate) const VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    findings: Elements,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files_scanned: usize,
    rules_run: usize,
    findings: usize,
    by_severity: BySeverity,
    suppressed: usize,
    baselined: usize,
    diagnostics: usize,
}

#[derive(Serialize, Default)]
struct BySeverity {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    name: &'static str,
    title: &'static str,
    severity: &'static str,
    default_severity: &'static str,
    file: &'a str,
    root_relative_path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: String,
    resource: String,
    tier: Option<&'static str>,
    requirements: &'static [&'static str],
    iso27001: Iso27001<'a>,
    fingerprint: &'a str,
    help_uri: String,
}

#[derive(Serialize)]
struct Iso27001<'a> {
    #[serde(rename = "2013")]
    edition_2013: &'a [&'static str],
    #[serde(rename = "2022")]
    edition_2022: &'a [&'static str],
}

/// Each reported rule's ISO 27001 controls (2013, 2022), derived once per
/// report rather than once per finding.
type Controls = HashMap<&'static str, (Vec<&'static str>, Vec<&'static str>)>;

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    level: &'static str,
    code: &'static str,
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
}

pub(crate) fn write(report: &ScanReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut controls = Controls::new();
    for finding in report.findings {
        controls
            .entry(finding.rule.id)
            .or_insert_with(|| (finding.rule.iso27001_2013(), finding.rule.iso27001_2022()));
    }
    let document = Report {
        version: VERSION,
        tool: Tool {
            name: "rampart",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: summary(report),
        findings: Elements,
        diagnostics: report.diagnostics.iter().map(diagnostic).collect(),
    };
    write_pretty(&mut *out, &document, "findings", report.findings, |f| {
        finding(report, &controls, f)
    })?;
    writeln!(out)
}

fn summary(report: &ScanReport<'_>) -> Summary {
    let mut by_severity = BySeverity::default();
    for (severity, count) in severity_counts(report.findings) {
        let slot = match severity {
            rampart_config::Severity::Critical => &mut by_severity.critical,
            rampart_config::Severity::High => &mut by_severity.high,
            rampart_config::Severity::Medium => &mut by_severity.medium,
            rampart_config::Severity::Low => &mut by_severity.low,
            rampart_config::Severity::Info => &mut by_severity.info,
        };
        *slot = count;
    }
    Summary {
        files_scanned: report.summary.files_scanned,
        rules_run: report.summary.rules_run,
        findings: report.findings.len(),
        by_severity,
        suppressed: report.summary.suppressed,
        baselined: report.summary.baselined,
        diagnostics: report.diagnostics.len(),
    }
}

fn finding<'a>(
    report: &ScanReport<'a>,
    controls: &'a Controls,
    finding: &'a Finding,
) -> JsonFinding<'a> {
    let meta = finding.rule;
    let file = report.project.file(finding.file);
    let region = Region::of(file, finding.span);
    JsonFinding {
        rule: meta.id,
        name: meta.name,
        title: meta.summary,
        severity: finding.severity.as_str(),
        default_severity: meta.severity.as_str(),
        file: &file.display_path,
        root_relative_path: file.root_relative_path(),
        line: region.start_line,
        column: region.start_column,
        end_line: region.end_line,
        end_column: region.end_column,
        message: report
            .redactions
            .scrub_finding(finding, &finding.message)
            .into_owned(),
        resource: report
            .redactions
            .scrub_finding(finding, &finding.resource)
            .into_owned(),
        tier: finding.tier.map(|t| t.as_str()),
        requirements: meta.requirements,
        iso27001: {
            let (edition_2013, edition_2022) = controls
                .get(meta.id)
                .map(|(a, b)| (a.as_slice(), b.as_slice()))
                .unwrap_or_default();
            Iso27001 {
                edition_2013,
                edition_2022,
            }
        },
        fingerprint: &finding.fingerprint,
        help_uri: help_uri(meta),
    }
}

fn diagnostic(diagnostic: &Diagnostic) -> JsonDiagnostic<'_> {
    JsonDiagnostic {
        level: diagnostic.level.as_str(),
        code: diagnostic.code,
        file: &diagnostic.file,
        // Positions are 1-based; an unknown one is null, never 0.
        line: diagnostic.line.filter(|n| *n > 0),
        column: diagnostic.column.filter(|n| *n > 0),
        message: &diagnostic.message,
    }
}
