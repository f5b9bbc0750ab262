//! YAML (and therefore JSON) streams parsed into trees of [`Node`]s that keep their
//! source position.
//!
//! The tree is built from `saphyr-parser` events rather than a ready-made loader so
//! that hostile input stays bounded: nesting depth and alias expansion are limited
//! (a "billion laughs" document is rejected, not expanded), an alias's nodes are
//! reported at the place the alias is used, `<<` merge keys are applied the way
//! Kubernetes applies them, and duplicate keys are reported instead of silently
//! resolved.

mod node;
mod parse;

pub use node::{Entry, Node, ScalarStyle, Value};
pub use parse::{Document, Limits, ParsedStream, parse_stream};
