use rampart_config::Severity;
use rampart_model::aws::data;
use rampart_model::aws::policy::json_text;

use super::report_secret_at;
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};
use crate::secrets::{find_credentials, is_placeholder, secret_in_assignment};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "SEC-006",
        name: "secret-string-in-code",
        severity: Severity::Critical,
        summary: "Secrets Manager secret value is written in the code",
        requirements: &["G-CFG-02", "P-IIB2-b", "P-IIB2-a"],
        docs: RuleDocs {
            what: "Reports the value of a Secrets Manager secret written in the code: Terraform `aws_secretsmanager_secret_version.secret_string` (and `secret_string_wo`, `secret_binary`), CloudFormation `AWS::SecretsManager::Secret.SecretString`, whether written literally, through `jsonencode(…)`, a variable default, a `tfvars` file, a local, a module input or a template parameter's `Default`. A JSON document is read field by field: a field is reported when its name says it holds a secret (`password`, `api_key`, `token`, …) and its value is not visibly a placeholder, or when its value has the shape of a known credential (an AWS access key id, a private key, a GitHub or OpenAI token, …); each at the line where it is written. Any other value is reported unless it is a placeholder (`changeme`, `REPLACE_ME`, `<token>`, shorter than four characters, …), the usual first version that is changed outside the code. Values are never printed. Not reported: `GenerateSecretString`, values known only at apply (`random_password.x.result`, another resource's attribute, a variable given with `--var` or `TF_VAR_…`, a dynamic reference), and, in a plan, values the configuration scanned with it does not show written as literals.",
            why: "A secret whose value is in the code is not kept by Secrets Manager, only copied into it: the repository, its forks, CI logs and the Terraform state hold the same value, readable by everyone who can read them, and rotating it means a commit. The policy forbids committing secrets (P-IIB2-b) and requires them to be managed in the vault (G-CFG-02, P-IIB2-a); a committed credential is an incident, hence Critical.",
            fail: Example::terraform(
                r#"resource "aws_secretsmanager_secret" "openai" {
  name = "agents/openai"
}

resource "aws_secretsmanager_secret_version" "openai" {
  secret_id     = aws_secretsmanager_secret.openai.id
  secret_string = jsonencode({ api_key = "sk-proj-4f9aQ2rT7yLm3Zx8Vb1Nc6Wd0Ke5Hs" })
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_secretsmanager_secret" "db" {
  name = "agents/db"
}

resource "random_password" "db" {
  length = 32
}

resource "aws_secretsmanager_secret_version" "db" {
  secret_id     = aws_secretsmanager_secret.db.id
  secret_string = jsonencode({ username = "agents", password = random_password.db.result })
}
"#,
            ),
            fix: "Remove the value from the code and rotate the credential: it is in the repository's history. Let the secret be generated (`GenerateSecretString`, `random_password` with an ephemeral or write-only value) or set once outside the code (`aws secretsmanager put-secret-value`), with `lifecycle { ignore_changes = [secret_string] }` on a placeholder version if Terraform must create one; turn on rotation (`aws_secretsmanager_secret_rotation`).",
        },
    },
    check: Check::Resource(
        &[
            "aws_secretsmanager_secret_version",
            "AWS::SecretsManager::Secret",
        ],
        check,
    ),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let names: &[&str] = if resource.is_cloudformation() {
        &["SecretString"]
    } else {
        &["secret_string", "secret_string_wo", "secret_binary"]
    };
    for name in names {
        let Some(node) = resource.get(name) else {
            continue;
        };
        // A string, or the structure `jsonencode` keeps when some fields are
        // known only after apply (a host from another resource).
        let Some(text) = json_text(node) else {
            continue;
        };
        let text: &str = &text;
        // (field, value) of every secret the value holds.
        let secrets: Vec<(Option<String>, String)> = match data::json_string_fields(text) {
            Some(fields) => fields
                .into_iter()
                .filter(|(key, value)| secret_in_assignment(key, value).is_some())
                .map(|(key, value)| (Some(key), value.trim().to_owned()))
                .collect(),
            None => {
                let text = text.trim();
                if find_credentials(text).is_empty() && is_placeholder(text) {
                    Vec::new()
                } else {
                    vec![(None, text.to_owned())]
                }
            }
        };
        for (field, secret) in secrets {
            let Some(origin) = data::written_in_code(ctx.project, resource, node, &secret) else {
                continue;
            };
            let what = match field {
                Some(field) => format!("the `{field}` field of its `{name}`"),
                None => format!("its `{name}`"),
            };
            report_secret_at(
                sink,
                resource,
                origin,
                format!(
                    "`{}` writes a secret value in the code ({what}); generate it or set it outside the code, and rotate it",
                    resource.address
                ),
                &secret,
            );
        }
    }
}
