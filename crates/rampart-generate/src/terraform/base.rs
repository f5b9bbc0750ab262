//! PLACEHOLDER — being written.

use super::Part;
use crate::Context;

pub(crate) fn render(_context: &Context<'_>) -> Part {
    Part::default()
}
