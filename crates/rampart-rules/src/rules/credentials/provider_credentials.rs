use std::collections::HashSet;

use rampart_config::Severity;
use rampart_model::Subject;
use rampart_source::redact;

use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};
use crate::secrets::secret_in_assignment;

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "SEC-009",
        name: "credentials-in-provider",
        severity: Severity::Critical,
        summary: "Terraform provider configured with a committed credential",
        requirements: &["P-IIB2-b", "P-IIB2-a", "G-CFG-02"],
        docs: RuleDocs {
            what: "Reports a Terraform `provider` block argument that holds a credential written in the scanned files: an argument with a secret-looking name (`secret_key`, `token`, `password`, `api_key`, `client_secret`, …) or any value with a known credential shape (an AWS access key id `AKIA…`, a GitHub token, a private key), whether written in the block, as a variable's default or in a tfvars file. Placeholders, empty values, values given with `--var` and values known only at plan time (environment variables, data sources) are not reported. The value is never printed.",
            why: "A credential committed to the repository is readable by everyone with access to it, its forks and its history, long after it is rotated out of the file. The policy forbids committing secrets to any repository (P-IIB2-b) and requires them to come from an approved vault at runtime (P-IIB2-a). Providers authenticate with the environment, a profile, an assumed role or OIDC instead.",
            fail: Example::terraform(
                r#"provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIAQ2R7PZ4MW5TN3KXB"
  secret_key = "pZ7sT0kR4vNq8LxE2mWc9JhY5bUa3FdG6iKo1QeS"
}
"#,
            ),
            pass: Example::terraform(
                r#"provider "aws" {
  region = "eu-west-1"

  assume_role {
    role_arn = "arn:aws:iam::123456789012:role/terraform-deployer"
  }
}
"#,
            ),
            fix: "Remove the argument and rotate the credential; let the provider take credentials from the environment, a profile or an assumed role (in CI, OIDC federation: `aws-actions/configure-aws-credentials` with `role-to-assume`).",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    // A provider of a module instantiated twice is the same written value.
    let mut seen = HashSet::new();
    for &index in ctx.project.provider_configurations() {
        let resource = &ctx.project.resources[index];
        for (name, value) in resource.attributes.entries() {
            let Some(origin) = value.origin else {
                // Given on the command line: not in the repository.
                continue;
            };
            let Some(text) = value.as_str() else {
                continue;
            };
            let Some(found) = secret_in_assignment(name, text) else {
                continue;
            };
            if !seen.insert((origin.file, origin.span)) {
                continue;
            }
            let mut sink = findings.on(Subject::Resource(index));
            sink.report_resource_secret(
                resource,
                Some(value),
                format!(
                    "`{}` sets `{name}` to a committed {} (`{}`)",
                    resource.address,
                    found.kind,
                    redact(&found.text)
                ),
                &found.text,
            );
        }
    }
}
