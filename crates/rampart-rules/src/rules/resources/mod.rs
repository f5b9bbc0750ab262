//! Resource requests and limits (G-RES).

use crate::engine::Rule;

pub(crate) static RULES: &[&Rule] = &[];
