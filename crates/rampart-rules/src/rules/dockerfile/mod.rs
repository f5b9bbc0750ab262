//! Dockerfiles: what the image runs as, where its contents come from, what it
//! bakes in.

use crate::engine::Rule;

mod root_user;

pub(crate) static RULES: &[&Rule] = &[&root_user::RULE];
