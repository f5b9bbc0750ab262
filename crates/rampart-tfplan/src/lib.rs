//! Terraform plans in JSON (`terraform show -json plan.out`), read into the
//! evaluated form every infrastructure language shares ([`rampart_iac`]).
//!
//! A plan is Terraform's own evaluation of a configuration, so its values are
//! the real ones: variables, locals, functions, `count` and `for_each` have
//! already been applied. What Terraform itself does not know until `apply`
//! stays an explicit [`Unknown`](rampart_iac::Unknown); secrets stay readable
//! for rules but are listed so that no report prints them; and changes made
//! outside Terraform (`resource_drift`) are kept for the rules that forbid
//! them.
//!
//! The plan file is parsed with `rampart_yaml` (JSON is YAML), so every value
//! remembers where it is written in the plan file and findings point at it.
//!
//! # What is read
//!
//! - **Resources**: every instance in `planned_values` (the root module and,
//!   recursively, `child_modules`), with `values` as attributes. Resources that
//!   the plan deletes are not in `planned_values` and are not read. Data
//!   sources read while planning are only in `prior_state`; they are read from
//!   there.
//! - **Unknown values**: an attribute that `resource_changes[].change.after_unknown`
//!   marks `true` is an [`Unknown::Unevaluated`](rampart_iac::Unknown::Unevaluated)
//!   `"known after apply"`, or an [`Unknown::Reference`](rampart_iac::Unknown::Reference)
//!   when the configuration shows where it comes from (see below). Its origin
//!   is the `null` that stands for it in `values` (list elements), or else the
//!   `true` marker in `after_unknown` (wholly unknown attributes are left out
//!   of `values`).
//! - **Sensitive values**: every value marked sensitive anywhere in the plan
//!   (`sensitive_values`, `after_sensitive`, `before_sensitive`, sensitive
//!   outputs and variables) is listed in [`PlanOutput::sensitive`]; the values
//!   themselves stay in the attributes, because rules need them.
//! - **Providers**: every entry of `configuration.provider_config`, as a
//!   [`BlockKind::Provider`] resource whose
//!   attributes are the configured arguments (constants as written, anything
//!   computed as an unknown).
//! - **Drift**: every `resource_drift` entry that is more than a move, as a
//!   [`Drift`]. `resource_drift` is the only place a plan records changes made
//!   outside Terraform: no `action_reason` of `resource_changes` means drift
//!   (`replace_because_tainted` is a failed apply or `terraform taint`, the
//!   `delete_because_*` reasons are configuration changes), and an object
//!   deleted outside Terraform is a drift entry with `["delete"]` whose planned
//!   change is an ordinary `["create"]`.
//!
//! Not read: `checks`, `deferred_changes`, `relevant_attributes`, action
//! invocations, output values (beyond listing sensitive ones), and the
//! configuration of resources beyond what unknown values need.
//!
//! # Unknowns that are references
//!
//! The configuration part of a plan records, for each argument, the list of
//! objects its expression refers to, but not the expression itself:
//! `aws_vpc.main.id`, `"${aws_vpc.main.id}"` and `lower(aws_vpc.main.id)` all
//! record `["aws_vpc.main.id", "aws_vpc.main"]`. An unknown attribute becomes a
//! `Reference` when that list names one chain to an attribute of one managed
//! or data resource, and the unknown sits exactly where the argument is
//! written (or is the only element of a one-element list there, as in
//! `vpc_security_group_ids = [aws_security_group.db.id]`). The address is
//! absolute (`module.network.aws_vpc.this`), so the model can link resources.
//! It is still an unknown: no rule reads a value from it. Everything else
//! (two references, variables, module outputs, `count.index`, nested blocks
//! that cannot be matched one to one) stays `"known after apply"`.

mod address;
mod config;
mod json;
mod reader;

use rampart_iac::{BlockKind, Origin, Resource, UnknownValue};
use rampart_source::{Diagnostic, FileId, Secret, Span};
use rampart_yaml::Node as Json;

/// Whether a JSON document is a Terraform plan (`terraform show -json` of a
/// plan file): it has a `format_version` and `planned_values` or
/// `resource_changes`. The JSON of a state file has `values` instead and is
/// not a plan.
pub fn is_plan(root: &Json) -> bool {
    root.get("format_version").is_some()
        && (root.get("planned_values").is_some() || root.get("resource_changes").is_some())
}

/// Reads a plan document. Never panics; what cannot be read becomes a
/// diagnostic naming `display_path` and the line, and the rest is still read.
pub fn read_plan(file: FileId, display_path: &str, root: &Json) -> PlanOutput {
    reader::read(file, display_path, root)
}

/// Everything a plan file holds for a scan.
#[derive(Debug, Default)]
pub struct PlanOutput {
    /// The Terraform version that wrote the plan, when given.
    pub terraform_version: Option<String>,
    /// Managed resources and data sources (language `TerraformPlan`, in plan
    /// order), then provider configurations. A resource's span is its
    /// `address` value in `planned_values` (in `prior_state` for data sources
    /// read while planning); a provider's is its key in `provider_config`.
    pub resources: Vec<Resource>,
    /// Changes made outside Terraform since the last `apply`.
    pub drift: Vec<Drift>,
    /// Every unknown value, for `--show-unknown`.
    pub unknowns: Vec<UnknownValue>,
    /// Every sensitive value, wherever the plan file writes it.
    pub sensitive: Vec<SensitiveValue>,
    pub diagnostics: Vec<Diagnostic>,
}

impl PlanOutput {
    /// The distinct sensitive texts of the plan, to register for redaction so
    /// that no report prints them.
    pub fn secrets(&self) -> Vec<Secret> {
        let mut texts: Vec<&str> = self.sensitive.iter().map(|s| s.secret.expose()).collect();
        texts.sort_unstable();
        texts.dedup();
        texts.into_iter().map(Secret::new).collect()
    }

    /// Whether the value written at `origin` is sensitive (a rule may check a
    /// sensitive value, but must not quote it). A linear search: collect the
    /// origins of [`PlanOutput::sensitive`] into a set for many lookups.
    pub fn is_sensitive(&self, origin: Origin) -> bool {
        self.sensitive.iter().any(|s| s.origin == origin)
    }
}

/// A value the plan marks sensitive: a string or a number (booleans and
/// `null` give nothing away and are not listed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SensitiveValue {
    /// `aws_db_instance.main.password`, `output.db_password`, `var.db_password`.
    pub address: String,
    pub origin: Origin,
    /// The value itself, for redaction only (its `Debug` form is redacted).
    pub secret: Secret,
}

/// A resource that was changed, or deleted, outside Terraform: the plan's
/// refresh found it different from what the last `apply` left.
#[derive(Clone, Debug, PartialEq)]
pub struct Drift {
    pub file: FileId,
    /// The drift entry's `address` value in the plan file.
    pub span: Span,
    /// `module.vpc.aws_security_group.web`.
    pub address: String,
    /// The address before a `moved` block renamed it, when it did.
    pub previous_address: Option<String>,
    /// The module instance (`module.vpc`), empty for the root module.
    pub module: String,
    pub kind: BlockKind,
    pub resource_type: String,
    /// What happened outside Terraform: `[Update]`, or `[Delete]` for an object
    /// that no longer exists.
    pub actions: Vec<Action>,
    /// Top-level attributes whose value changed (`["ingress", "tags"]`); never
    /// the values themselves, which may be secret.
    pub changed_attributes: Vec<String>,
}

impl Drift {
    /// Whether the object was deleted outside Terraform.
    pub fn deleted(&self) -> bool {
        self.actions.contains(&Action::Delete)
    }
}

/// A change action, as the plan spells it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    NoOp,
    Create,
    Read,
    Update,
    Delete,
    Forget,
    /// An action this version of rampart does not know.
    Other(String),
}

impl Action {
    pub fn parse(text: &str) -> Self {
        match text {
            "no-op" => Self::NoOp,
            "create" => Self::Create,
            "read" => Self::Read,
            "update" => Self::Update,
            "delete" => Self::Delete,
            "forget" => Self::Forget,
            other => Self::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::NoOp => "no-op",
            Self::Create => "create",
            Self::Read => "read",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Forget => "forget",
            Self::Other(text) => text,
        }
    }
}
