//! Source files, positions and diagnostics shared by every stage of a scan.
//!
//! Every later stage (parsers, model, rules, reports) speaks in terms of these
//! types, so a finding can always be traced back to a file, a line and a column.

mod diagnostic;
mod position;
mod redact;
mod source;

pub use diagnostic::{Diagnostic, DiagnosticLevel};
pub use position::{Position, Span};
pub use redact::{Secret, redact, redact_in};
pub use source::{FileId, SourceFile, Unread};

/// What starts a suppression comment (`# rampart:ignore PSS-001 -- why`). The
/// model keeps a template's layout only for files that write one.
pub const SUPPRESSION_MARKER: &str = "rampart:ignore";

/// Whether `text` holds [`SUPPRESSION_MARKER`] anywhere, in a comment or not:
/// a file without it suppresses nothing.
pub fn holds_suppression_marker(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), SUPPRESSION_MARKER.as_bytes()).is_some()
}
