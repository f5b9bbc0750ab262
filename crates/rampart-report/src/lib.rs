//! Scan reports: what a user or a CI system reads after a scan.
//!
//! One module per format, all rendering the same [`ScanReport`]:
//!
//! - `pretty`: rustc-style terminal output with the offending source line;
//! - `json`: a versioned contract for scripts (`docs/json-report.md`);
//! - `sarif`: SARIF 2.1.0 for GitHub code scanning and other viewers;
//! - `junit`: JUnit XML, so any CI shows findings as failed tests.
//!
//! Every format redacts every detected secret wherever it could appear, and none
//! trusts the text it prints: messages, resource names and source lines come
//! from scanned files and are escaped or neutralised for the target format.

use std::fmt;
use std::io;
use std::str::FromStr;

use rampart_model::Project;
use rampart_rules::{Finding, Rule};
use rampart_source::Diagnostic;

mod common;
mod json;
mod junit;
mod pretty;
mod sarif;
mod xml;

pub use common::{help_uri, rule_anchor};
pub use rampart_rules::Redactions;
pub use xml::{escape_attribute, escape_text};

/// The version of the JSON report's contract (`docs/json-report.md`).
pub const JSON_REPORT_VERSION: u32 = json::VERSION;

/// An output format, as named by `--format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    #[default]
    Pretty,
    Json,
    Sarif,
    Junit,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Pretty, Format::Json, Format::Sarif, Format::Junit];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pretty => "pretty",
            Self::Json => "json",
            Self::Sarif => "sarif",
            Self::Junit => "junit",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--format` value that names no format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
        write!(
            f,
            "unknown report format `{}`; expected one of: {}",
            self.0,
            known.join(", ")
        )
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim();
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownFormat(text.to_owned()))
    }
}

/// Counts the findings alone do not tell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files_scanned: usize,
    pub rules_run: usize,
    /// Findings hidden by `# rampart:ignore` comments.
    pub suppressed: usize,
    /// Findings hidden because the baseline already records them.
    pub baselined: usize,
}

/// Everything a report shows.
pub struct ScanReport<'a> {
    pub project: &'a Project,
    /// After filtering; sorted by file, position and rule.
    pub findings: &'a [Finding],
    /// Problems with the input (discovery and parsing), sorted.
    pub diagnostics: &'a [Diagnostic],
    /// The rules that ran (SARIF lists them as `tool.driver.rules`).
    pub rules: &'a [&'static Rule],
    pub summary: Summary,
    /// Secrets to hide in everything printed.
    pub redactions: &'a Redactions,
}

/// How to render; only the pretty format looks at it.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    /// Emit ANSI colours. The caller decides (a terminal, and no `NO_COLOR`);
    /// without it the output contains no escape sequence at all.
    pub color: bool,
}

/// Writes `report` to `out` in `format`.
pub fn write_report(
    format: Format,
    report: &ScanReport<'_>,
    options: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match format {
        Format::Pretty => pretty::write(report, options, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Junit => junit::write(report, out),
    }
}

/// The one-line summary that ends the pretty report, e.g.
/// `3 findings (1 critical, 2 high) in 12 files; 2 suppressed, 1 in baseline; 1 input problem`.
pub fn summary_line(report: &ScanReport<'_>) -> String {
    pretty::summary_line(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_case_insensitively_and_round_trip() {
        for format in Format::ALL {
            assert_eq!(format.to_string().parse::<Format>(), Ok(format));
        }
        assert_eq!("SARIF".parse::<Format>(), Ok(Format::Sarif));
        let err = "xml".parse::<Format>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown report format `xml`; expected one of: pretty, json, sarif, junit"
        );
    }
}
