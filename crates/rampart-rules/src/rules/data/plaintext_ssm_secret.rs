use rampart_config::Severity;

use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};
use crate::secrets::is_secret_name;

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "SEC-007",
        name: "plaintext-ssm-secret",
        severity: Severity::High,
        summary: "Secret stored in a plaintext SSM parameter",
        requirements: &["G-CFG-02", "P-IIB2-a"],
        docs: RuleDocs {
            what: "Reports a Systems Manager parameter (Terraform `aws_ssm_parameter`, CloudFormation `AWS::SSM::Parameter`) whose name says it holds a secret and whose `type` / `Type` is not `SecureString` (`String`, `StringList`), at the type. A name holds a secret when its last path segment, or the whole name, does by the rules secret detection uses everywhere: `/agents/prod/db_password`, `/agents/openai/api-key`, `…/github-token`, `…/private_key`, `…/credentials`; names about a secret rather than one are not (`…/db_password_arn`, `…/token_ttl`, `…/secret_name`, `…/public_key`). CloudFormation cannot create `SecureString` parameters at all, so every secret-named `AWS::SSM::Parameter` is reported. Names or types known only after apply are not reported.",
            why: "A `String` parameter is stored unencrypted and returned in plaintext to anyone allowed `ssm:GetParameter*` on it, shows in the console and in `GetParametersByPath` listings, and is not protected by a KMS key policy. The policy requires sensitive configuration to be kept with secure secret management (G-CFG-02, P-IIB2-a): a `SecureString` under a customer managed key, or Secrets Manager.",
            fail: Example::terraform(
                r#"resource "aws_ssm_parameter" "openai_key" {
  name  = "/agents/prod/openai/api-key"
  type  = "String"
  value = "placeholder"
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_ssm_parameter" "openai_key" {
  name   = "/agents/prod/openai/api-key"
  type   = "SecureString"
  key_id = "alias/agents-config"
  value  = "placeholder"

  lifecycle {
    ignore_changes = [value]
  }
}
"#,
            ),
            fix: "Make the parameter a `SecureString` encrypted with a customer managed key (`type = \"SecureString\"`, `key_id`), set its value outside the code, and rotate the secret, which was readable in plaintext. In CloudFormation, keep the secret in Secrets Manager (`AWS::SecretsManager::Secret` with `GenerateSecretString`), or create the `SecureString` outside the template and read it with `{{resolve:ssm-secure:…}}`.",
        },
    },
    check: Check::Resource(&["aws_ssm_parameter", "AWS::SSM::Parameter"], check),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(name) = resource.attr("name", "Name").and_then(|n| n.as_str()) else {
        return;
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    if !is_secret_name(last) && !is_secret_name(name) {
        return;
    }
    let Some(node) = resource.attr("type", "Type") else {
        return;
    };
    let Some(kind) = node.as_str() else {
        return;
    };
    if kind == "SecureString" {
        return;
    }
    let note = if resource.is_cloudformation() {
        " (CloudFormation cannot create `SecureString` parameters: keep the secret in Secrets Manager)"
    } else {
        ""
    };
    sink.report_resource(
        resource,
        Some(node),
        format!(
            "SSM parameter `{name}` holds a secret by its name but is a plaintext `{kind}`, not a `SecureString`{note}"
        ),
    );
}
