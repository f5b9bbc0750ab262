//! PLACEHOLDER — being written.

use super::Part;
use crate::{Context, Deviation};

pub(crate) const DEVIATIONS: &[Deviation] = &[];

pub(crate) fn render(_context: &Context<'_>) -> Part {
    Part::default()
}
