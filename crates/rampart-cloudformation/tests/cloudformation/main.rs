//! One test binary for the crate (linking several costs more than running them).

// A test's job is to panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod conditions;
mod intrinsics;
mod malformed;
mod never_panics;
mod templates;
