//! Rules about rampart's own suppressions. The filter stage reports them; they
//! are listed here so that they are documented, selectable and explainable like
//! every other rule.

use crate::engine::Rule;

mod suppression_without_reason;
mod unused_suppression;

pub use suppression_without_reason::RULE as SUPPRESSION_WITHOUT_REASON;
pub use unused_suppression::RULE as UNUSED_SUPPRESSION;

pub(crate) static RULES: &[&Rule] = &[&SUPPRESSION_WITHOUT_REASON, &UNUSED_SUPPRESSION];
