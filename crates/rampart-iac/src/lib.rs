//! Infrastructure code after evaluation, in one shape for every language.
//!
//! Terraform (HCL and plan JSON) and CloudFormation are evaluated into
//! [`Resource`]s whose attributes are [`Node`]s: a [`Value`] and the place it
//! was written ([`Origin`]). A value that came through a variable remembers the
//! variable's default or the `tfvars` line, so a finding points at the line a
//! user has to change. What cannot be known before `apply` (another resource's
//! id, a variable nobody set, a function rampart does not evaluate) is an
//! explicit [`Unknown`], never a guess: rules that need it report nothing.

mod resource;
mod value;

pub use compact_str::CompactString;
pub use resource::{BlockKind, Language, Resource, UnknownValue, compacted};
pub use value::{List, Map, Node, Origin, Unknown, Value, push_entry};
