use std::collections::HashSet;

use rampart_config::Severity;
use rampart_model::Subject;
use rampart_model::rampart_iac::{BlockKind, Language, Node};
use rampart_source::redact;

use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};
use crate::secrets::{is_placeholder, secret_in_assignment};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "SEC-010",
        name: "secret-variable-default",
        severity: Severity::High,
        summary: "Secret committed as a variable or parameter default",
        requirements: &["G-CFG-02", "G-CFG-05", "P-IIB2-b"],
        docs: RuleDocs {
            what: "Reports the `default` of a Terraform variable that is marked `sensitive = true`, or whose name looks secret (`db_password`, `api_token`, …), or whose default has a known credential shape; and the `Default` of a CloudFormation parameter with `NoEcho: true` or a secret-looking name. Empty values, placeholders (`changeme`, `<secret>`, `${…}`), ARNs and paths are not reported. A module used twice is reported once. A default that reaches a provider argument, a database master password or a Secrets Manager value is left to SEC-009, SEC-005 and SEC-006, which report it at the same place. The value is never printed.",
            why: "A default is committed with the code: the secret is in the repository, its forks and its history, and every environment that forgets to set the variable silently uses it. The policy says sensitive variables must have no default (G-CFG-05), secrets come from the vault at runtime (G-CFG-02) and are never committed (P-IIB2-b).",
            fail: Example::terraform(
                r#"variable "db_password" {
  type      = string
  sensitive = true
  default   = "Pr0d-Agents-2024!"
}
"#,
            ),
            pass: Example::terraform(
                r#"variable "db_password" {
  type      = string
  sensitive = true
}
"#,
            ),
            fix: "Remove the default and rotate the secret; better, stop passing it through Terraform: `manage_master_user_password = true` for RDS, or an `aws_secretsmanager_secret` the workload reads at runtime.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

/// Attributes whose secret values more specific rules report where they are
/// written: a provider's arguments (SEC-009), database master passwords
/// (SEC-005), Secrets Manager values (SEC-006). A variable default used there
/// is their finding, not a second one.
const REPORTED_ELSEWHERE: &[&str] = &[
    "password",
    "password_wo",
    "master_password",
    "master_password_wo",
    "MasterUserPassword",
    "secret_string",
    "secret_string_wo",
    "SecretString",
];

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let mut seen = HashSet::new();
    for resource in &ctx.project.resources {
        let used: Box<dyn Iterator<Item = &Node>> = match resource.kind {
            BlockKind::Provider => Box::new(resource.attributes.entries().iter().map(|(_, v)| v)),
            BlockKind::Resource => Box::new(
                REPORTED_ELSEWHERE
                    .iter()
                    .filter_map(|key| resource.get(key)),
            ),
            _ => continue,
        };
        for value in used {
            if let Some(origin) = value.origin {
                seen.insert((origin.file, origin.span));
            }
        }
    }
    for &index in ctx.project.variables() {
        let resource = &ctx.project.resources[index];
        let cloudformation = resource.language == Language::CloudFormation;
        let (default, hidden) = if cloudformation {
            (resource.get("Default"), resource.get("NoEcho"))
        } else {
            (resource.get("default"), resource.get("sensitive"))
        };
        let Some(default) = default else { continue };
        let Some(text) = default.as_str() else {
            continue;
        };
        let Some(origin) = default.origin else {
            continue;
        };
        let name = resource
            .address
            .rsplit_once("var.")
            .map_or(resource.address.as_str(), |(_, name)| name);
        let found = match secret_in_assignment(name, text) {
            Some(found) => Some(found.kind),
            None if hidden.and_then(Node::as_bool) == Some(true) && !is_placeholder(text) => {
                Some("literal secret")
            }
            None => None,
        };
        let Some(kind) = found else { continue };
        if !seen.insert((origin.file, origin.span)) {
            continue;
        }
        let what = if cloudformation {
            "parameter"
        } else {
            "variable"
        };
        findings.on(Subject::Resource(index)).report_resource_secret(
            resource,
            Some(default),
            format!(
                "{what} `{name}` has {} {kind} as its default (`{}`): it is committed with the code",
                article(kind),
                redact(text.trim())
            ),
            text.trim(),
        );
    }
}

/// "a" or "an" before a kind of credential ("an AWS access key id").
fn article(kind: &str) -> &'static str {
    if kind.starts_with(['a', 'e', 'i', 'o', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}
