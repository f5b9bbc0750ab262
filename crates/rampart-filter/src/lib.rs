//! The filter stage: which findings a scan reports.
//!
//! * Inline suppressions: `# rampart:ignore RULE-ID -- reason` at the end of the
//!   offending line, or on a line of its own above it; it covers the YAML entry,
//!   list item or Dockerfile instruction that starts on that line, all of it. The
//!   reason is required; a suppression without one suppresses nothing and is
//!   reported (META-001), and so is one that suppressed nothing (META-002).
//! * Baselines: a file of fingerprints of accepted findings (`--write-baseline`,
//!   `--baseline`). Fingerprints do not depend on line numbers, so a baseline
//!   survives edits elsewhere in a file and moving a resource within it.

mod baseline;
mod hcl_lines;
mod suppression;

pub use baseline::{Baseline, BaselineError};
pub use suppression::{RuleSets, Suppression, apply_suppressions, parse_suppressions};
