//! Keeping detected secrets out of everything a scan prints.

use std::borrow::Cow;
use std::collections::HashMap;

use rampart_source::{FileId, Span, redact_in};

use crate::engine::Finding;
use crate::secrets::find_credentials;

/// Every secret the scan detected, by file, in every spelling it may have in the
/// file's text, so that any text printed from a file is redacted — not only the
/// text of the finding that detected it.
///
/// Build it from all findings before filtering (suppressed, baselined and
/// deselected ones too), so a secret stays hidden when its own finding is not
/// shown.
#[derive(Debug, Default)]
pub struct Redactions {
    by_file: HashMap<FileId, Vec<String>>,
    /// Where each secret finding's value is written. A value assembled in the
    /// source (`"Zq7${var.env}-Lk29…"`, `join("", [...])`) does not appear
    /// there as the secret itself, so source lines are masked over these
    /// spans as well.
    spans: HashMap<FileId, Vec<Span>>,
}

/// Lines of a multi-line secret shorter than this are not searched for on their
/// own (an empty or one-word line would redact unrelated text).
const MIN_LINE_LEN: usize = 8;

/// Secrets shorter than this are not redacted wherever they appear: a one- or
/// two-character value (a decoded flag) would blank out unrelated text. Rules
/// treat such short values as no secret anyway.
const MIN_SECRET_LEN: usize = 4;

impl Redactions {
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Self {
        let mut by_file: HashMap<FileId, Vec<String>> = HashMap::new();
        let mut spans: HashMap<FileId, Vec<Span>> = HashMap::new();
        for finding in findings {
            if !finding.secrets.is_empty() {
                spans.entry(finding.file).or_default().push(finding.span);
            }
            for secret in &finding.secrets {
                let known = by_file.entry(finding.file).or_default();
                for spelling in spellings(secret.expose()) {
                    if !known.contains(&spelling) {
                        known.push(spelling);
                    }
                }
            }
        }
        // Longest first, so that a secret containing another is redacted whole.
        for secrets in by_file.values_mut() {
            secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
        Self { by_file, spans }
    }

    /// Adds a secret found outside any finding (a value a Terraform plan marks
    /// sensitive).
    pub fn add(&mut self, file: FileId, secret: &str) {
        let known = self.by_file.entry(file).or_default();
        for spelling in spellings(secret) {
            if !known.contains(&spelling) {
                known.push(spelling);
            }
        }
        known.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// `text` from `file` (a message, a resource name, a source line) with every
    /// secret known in that file redacted, and, as a backstop, every credential
    /// with a known shape.
    pub fn scrub<'t>(&self, file: FileId, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for secret in self.by_file.get(&file).into_iter().flatten() {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(redact_in(&out, secret));
            }
        }
        scrub_credentials(out)
    }

    /// A finding's text: its own secrets, its file's, and credential shapes.
    pub fn scrub_finding<'t>(&self, finding: &Finding, text: &'t str) -> Cow<'t, str> {
        let mut out = self.scrub(finding.file, text);
        for secret in &finding.secrets {
            for spelling in spellings(secret.expose()) {
                if out.contains(spelling.as_str()) {
                    out = Cow::Owned(redact_in(&out, &spelling));
                }
            }
        }
        out
    }

    /// Line `line` of the finding's file, for printing: as
    /// [`Redactions::scrub_finding`], and with every character a secret
    /// finding's value covers on that line masked but the first four, keeping
    /// the line's length so columns stay valid.
    pub fn scrub_source_line<'t>(
        &self,
        finding: &Finding,
        line: u32,
        text: &'t str,
    ) -> Cow<'t, str> {
        let out = self.scrub_finding(finding, text);
        let Some(spans) = self.spans.get(&finding.file) else {
            return out;
        };
        let covering: Vec<&Span> = spans
            .iter()
            .filter(|s| s.start.line <= line && line <= s.end.line)
            .collect();
        if covering.is_empty() {
            return out;
        }
        let mut chars: Vec<char> = out.chars().collect();
        for span in covering {
            // 1-based columns; a span ending on a later line covers the rest.
            let from = if span.start.line == line {
                span.start.column as usize
            } else {
                1
            };
            let to = if span.end.line == line {
                span.end.column as usize
            } else {
                chars.len() + 1
            };
            let shown = if span.start.line == line { 4 } else { 0 };
            for (i, c) in chars.iter_mut().enumerate() {
                let column = i + 1;
                if column >= from + shown && column < to && !c.is_whitespace() {
                    *c = '*';
                }
            }
        }
        Cow::Owned(chars.into_iter().collect())
    }
}

/// Text with no known file (a diagnostic about an unreadable file): credential
/// shapes redacted.
pub fn scrub_credentials(text: Cow<'_, str>) -> Cow<'_, str> {
    let found = find_credentials(&text);
    if found.is_empty() {
        return text;
    }
    let mut out = text.into_owned();
    for credential in found {
        out = redact_in(&out, &credential.text);
    }
    Cow::Owned(out)
}

/// The ways a secret value can be written in a source file: as decoded, escaped
/// inside double quotes (YAML, JSON, Dockerfile), with single quotes doubled
/// (YAML), and, for a multi-line secret (a private key), each of its lines.
fn spellings(secret: &str) -> Vec<String> {
    if secret.chars().count() < MIN_SECRET_LEN {
        return Vec::new();
    }
    let mut out = vec![secret.to_owned()];
    let mut escaped = String::with_capacity(secret.len());
    for c in secret.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            c => escaped.push(c),
        }
    }
    out.push(escaped);
    out.push(secret.replace('\'', "''"));
    if secret.contains('\n') {
        out.extend(
            secret
                .lines()
                .map(str::trim)
                .filter(|line| line.len() >= MIN_LINE_LEN)
                .map(str::to_owned),
        );
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_secret_is_known() {
        let spelled = spellings("Zq9'x\"Lw7\\Tp");
        assert!(spelled.contains(&"Zq9'x\"Lw7\\Tp".to_owned()));
        assert!(spelled.contains(&"Zq9'x\\\"Lw7\\\\Tp".to_owned()));
        assert!(spelled.contains(&"Zq9''x\"Lw7\\Tp".to_owned()));
        let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END RSA PRIVATE KEY-----";
        let spelled = spellings(key);
        assert!(spelled.contains(&"MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo".to_owned()));
        assert!(spelled.iter().any(|s| s.contains("-----\\nMIIE")));
    }

    #[test]
    fn credentials_are_scrubbed_without_a_finding() {
        let text = scrub_credentials(Cow::Borrowed(
            "unknown instruction `ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789`",
        ));
        assert!(!text.contains("aBcDeFgHiJ"), "{text}");
    }
}
