//! Data stores and secrets in infrastructure code: encryption, backups, credentials (G-BAK, G-DR, P-IIB2).

use crate::engine::Rule;

pub(crate) static RULES: &[&Rule] = &[];
