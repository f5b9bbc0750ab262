//! Where images come from and whether a reference names one immutable image (P-IIIB2).

use crate::engine::Rule;

pub(crate) static RULES: &[&Rule] = &[];
