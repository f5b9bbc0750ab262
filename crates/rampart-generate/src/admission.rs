//! PLACEHOLDER — being written.

use crate::{Context, Deviation, GeneratedFile};

pub(crate) const DEVIATIONS: &[Deviation] = &[];

pub(crate) fn render(_context: &Context<'_>) -> Vec<GeneratedFile> {
    Vec::new()
}
