//! The Terraform part of the baseline: one file per concern, `variables.tf` with a
//! validation block on every environment-specific input, and `terraform.tfvars`
//! holding the inventory's values, so `terraform plan` and `rampart scan` see the
//! same configuration.
//!
//! Resource addresses every module may reference (keep them stable; the README and
//! the mutation tests name them):
//!
//! - `aws_vpc.this`; `local.name` (`"${var.platform_name}-${var.environment}"`).
//! - Subnets `aws_subnet.<role>_<zone letter>`, role as [`SubnetRole::key`]:
//!   `aws_subnet.critical_agents_a`, `aws_subnet.public_alb_b`, `aws_subnet.database_a`,
//!   `aws_subnet.critical_firewall_b`, `aws_subnet.critical_ingress_a`; `aws_db_subnet_group.database`.
//! - Security groups `aws_security_group.<tier key>` (`critical_agents`,
//!   `high_value_agents`, `standard_agents`), `aws_security_group.<tier key>_alb`,
//!   `aws_security_group.database`.
//! - `aws_lb.<tier key>` with `aws_wafv2_web_acl.<tier key>`; `aws_eks_cluster.this`;
//!   `aws_eks_node_group.<tier key>`.
//! - `aws_kms_key.logs` (log groups), `aws_kms_key.eks` (Kubernetes Secrets);
//!   `aws_sns_topic.security_alerts` (every alert route ends there).
//!
//! [`SubnetRole::key`]: crate::layout::SubnetRole::key

mod base;
mod edge;
mod eks;
mod hcl;
mod logging;
mod network;
mod nodes;
pub(crate) mod security_groups;

use std::fmt::Write as _;

use crate::{Context, Deviation, GeneratedFile};

/// A root-module input variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Variable {
    pub name: &'static str,
    pub description: String,
    /// A Terraform type constraint: `string`, `list(string)`, `map(string)`.
    pub type_constraint: &'static str,
    /// `(condition, error_message)` pairs, each a `validation` block.
    pub validations: Vec<(String, String)>,
    /// The value written to `terraform.tfvars` (an HCL expression), taken from the
    /// inventory; `None` leaves the variable for the user to set (certificates,
    /// account-specific ARNs), and it has no default either (C-26).
    pub value: Option<String>,
}

/// What one module contributes: files (`name`, body without header) and the
/// variables they use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Part {
    pub files: Vec<(&'static str, String)>,
    pub variables: Vec<Variable>,
}

pub(crate) const DEVIATIONS: &[&[Deviation]] = &[
    network::DEVIATIONS,
    security_groups::DEVIATIONS,
    edge::DEVIATIONS,
    eks::DEVIATIONS,
    nodes::DEVIATIONS,
    logging::DEVIATIONS,
];

pub(crate) fn render(context: &Context<'_>) -> Vec<GeneratedFile> {
    let parts = [
        base::render(context),
        network::render(context),
        security_groups::render(context),
        edge::render(context),
        eks::render(context),
        nodes::render(context),
        logging::render(context),
    ];
    let header = context.header("#");
    let mut files = Vec::new();
    let mut variables: Vec<&Variable> = Vec::new();
    for part in &parts {
        for (name, body) in &part.files {
            files.push(GeneratedFile {
                path: format!("terraform/{name}"),
                contents: format!("{header}\n{body}"),
            });
        }
        variables.extend(&part.variables);
    }
    variables.sort_by_key(|v| v.name);
    variables.dedup_by_key(|v| v.name);

    let mut declarations = format!("{header}\n");
    let mut values = format!(
        "{header}# The inventory's values; set the variables missing here per environment.\n\n"
    );
    for variable in &variables {
        let _ = writeln!(declarations, "variable \"{}\" {{", variable.name);
        let _ = writeln!(
            declarations,
            "  description = {}",
            hcl_string(&variable.description)
        );
        let _ = writeln!(declarations, "  type        = {}", variable.type_constraint);
        for (condition, message) in &variable.validations {
            let _ = writeln!(declarations, "\n  validation {{");
            let _ = writeln!(declarations, "    condition     = {condition}");
            let _ = writeln!(declarations, "    error_message = {}", hcl_string(message));
            let _ = writeln!(declarations, "  }}");
        }
        let _ = writeln!(declarations, "}}\n");
    }
    let assignments: Vec<(&str, &str)> = variables
        .iter()
        .filter_map(|v| v.value.as_deref().map(|value| (v.name, value)))
        .collect();
    values.push_str(&aligned(&assignments));
    files.push(GeneratedFile {
        path: "terraform/variables.tf".to_owned(),
        contents: declarations.trim_end().to_owned() + "\n",
    });
    files.push(GeneratedFile {
        path: "terraform/terraform.tfvars".to_owned(),
        contents: values,
    });
    files
}

/// `name = value` lines aligned the way `terraform fmt` aligns them: the `=` of
/// consecutive single-line attributes line up; a multi-line value ends the run and
/// is not padded.
pub(crate) fn aligned(assignments: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for run in assignments.split_inclusive(|(_, value)| value.contains('\n')) {
        match run.split_last() {
            Some((&(name, value), single)) if value.contains('\n') => {
                hcl::write_aligned(single, "", &mut out);
                let _ = writeln!(out, "{name} = {value}");
            }
            _ => hcl::write_aligned(run, "", &mut out),
        }
    }
    out
}

/// A string as an HCL quoted string literal (`${` and `%{` escaped, so nothing in it
/// is interpolated).
pub(crate) fn hcl_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg_attr(
    not(test),
    allow(dead_code, reason = "used by the modules being written")
)]
/// A list of strings as an HCL tuple: `["a", "b"]`.
pub(crate) fn hcl_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| hcl_string(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_align_as_terraform_fmt_aligns_them() {
        let text = aligned(&[
            ("a", "1"),
            ("long_name", "2"),
            ("map", "{\n  x = 1\n}"),
            ("b", "3"),
        ]);
        assert_eq!(
            text,
            "a         = 1\nlong_name = 2\nmap = {\n  x = 1\n}\nb = 3\n"
        );
    }

    #[test]
    fn strings_are_never_interpolated() {
        assert_eq!(
            hcl_string("a \"b\" ${c} %{d} $e"),
            r#""a \"b\" $${c} %%{d} $e""#
        );
        assert_eq!(hcl_list(["x", "y"]), r#"["x", "y"]"#);
    }
}
