//! CloudFormation templates (YAML or JSON) evaluated into
//! [`rampart_iac::Resource`]s.
//!
//! A template arrives as a [`rampart_yaml::Node`] tree; [`evaluate_template`]
//! turns its parameters and resources into resources whose every value is a
//! [`rampart_iac::Node`] that remembers where it was written. Parameters,
//! `Mappings`, `Conditions` and the intrinsic functions (short `!Tag` and long
//! `Fn::` forms) are evaluated where their inputs are known. What cannot be
//! known before deployment is an explicit [`rampart_iac::Unknown`], never a
//! guess:
//!
//! - `Ref` to a parameter is its `Default`, placed where the default was
//!   written (that is the line a user changes); a parameter with no default is
//!   [`Unknown::UnsetVariable`](rampart_iac::Unknown::UnsetVariable); a
//!   Systems Manager parameter type (`AWS::SSM::Parameter::Value<…>`) is
//!   unknown, since its value is read at deployment.
//! - `Ref` to a resource and `Fn::GetAtt` are
//!   [`Unknown::Reference`](rampart_iac::Unknown::Reference), so the model can
//!   link resources. Pseudo parameters (`AWS::Region`, …), `Fn::GetAZs`,
//!   `Fn::ImportValue`, macros and dynamic references (`{{resolve:…}}`) are
//!   [`Unknown::Unevaluated`](rampart_iac::Unknown::Unevaluated) with the
//!   reason. `AWS::NoValue` removes the property or list item.
//! - `Fn::If` on a condition that cannot be known is unknown: rampart never
//!   picks a branch. A resource whose `Condition` is false is left out; one
//!   whose condition is unknown is kept (it may be created).
//! - A function whose input is unknown (`Fn::Sub`, `Fn::Join`, `Fn::Select`,
//!   …) is unknown too, with the input's reason; `Fn::Length` of a list with
//!   unknown items is still known.
//!
//! A resource's `attributes` are its evaluated `Properties`, exactly as the
//! CloudFormation reference documents them (`SecurityGroupIngress`,
//! `StorageEncrypted`); resource-level attributes (`DeletionPolicy`,
//! `DependsOn`, …) are not part of them. A parameter's `attributes` are its
//! evaluated declaration (`Type`, `Default`, `NoEcho`, …).
//!
//! Diagnostic codes: `cfn-structure` (error: a section, parameter or resource
//! is malformed and was skipped), `cfn-unknown-key` (warning: a section or
//! resource attribute CloudFormation rejects, such as a misspelt
//! `Propertes`), `cfn-intrinsic` (warning: a malformed function; its value is
//! unknown), `cfn-undefined` (warning: a reference to a parameter, resource,
//! condition or mapping key that does not exist), `cfn-condition-cycle`
//! (warning), `cfn-transform` (warning: a macro or `Fn::ForEach` that cannot
//! be expanded) and `cfn-limit` (error: nesting or expansion beyond rampart's
//! bounds). Every diagnostic has a line; they are sorted by position.
//!
//! Hostile templates stay bounded: evaluation nests at most 512 levels (and
//! 1 MiB of stack), and one template may copy or build at most 16 Mi units
//! (nodes and string bytes) through `Ref`, `Fn::FindInMap`, `Fn::ForEach` and
//! string functions; beyond that, values are unknown and `cfn-limit` is
//! reported once.

mod conditions;
mod eval;
mod functions;
mod template;
mod text;
mod unknowns;

pub use template::{EvaluatedTemplate, evaluate_template, is_cloudformation};
