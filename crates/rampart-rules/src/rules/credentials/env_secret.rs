use rampart_config::Severity;
use rampart_model::K8sObject;
use rampart_source::redact;
use rampart_yaml::{Node, Value};

use super::{env_assignment, env_item, env_owner, walk, with_article};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};
use crate::secrets::{SecretMatch, secret_in_assignment};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "SEC-001",
        name: "secret-in-env",
        severity: Severity::High,
        summary: "Secret written as a literal environment variable value",
        requirements: &["G-CFG-02", "P-IIB2-a", "P-IIB2-b"],
        docs: RuleDocs {
            what: "Reports `env[].value` literals that are secrets: the variable's name says it holds one (`DB_PASSWORD`, `OPENAI_API_KEY`, `clientSecret`, `REDIS_PASS`) and the value is not visibly something else (empty, a `$(VAR)` or `${VAR}` reference, a path, a placeholder such as `REPLACE_ME` or `<your-token>`, a boolean), or the value has the shape of a known credential (an AWS access key id, a private key, a GitHub, Slack, OpenAI, Anthropic or Hugging Face token, a password in a URL, …) whatever the name. Names that are about a secret rather than one are not secret names: `DB_PASSWORD_FILE`, `TOKEN_URL`, `SECRET_NAME`, `AWS_ACCESS_KEY_ID`, `PUBLIC_KEY`, `MAX_TOKENS`. It reads every `env` list of every object: containers, init containers and ephemeral containers of every workload kind, and container-like entries of custom resources (Tekton steps, Argo templates, Knative services).",
            why: "A value written into `env` lives in the repository, in every clone and fork, in CI logs and in the object the API server stores unencrypted in etcd; anyone who can read the Deployment can read the secret, and rotating it means a commit. The policy requires secrets to stay in an approved vault and reach pods at runtime (G-CFG-02, P-IIB2-a) and never be committed (P-IIB2-b).",
            fail: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: summariser
  namespace: high-agents
spec:
  template:
    spec:
      containers:
        - name: summariser
          image: registry.example.com/agents/summariser:2.4.1
          env:
            - name: DB_PASSWORD
              value: "Tr0ub4dor&3-horse"
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: summariser
  namespace: high-agents
spec:
  template:
    spec:
      containers:
        - name: summariser
          image: registry.example.com/agents/summariser:2.4.1
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: summariser-db
                  key: password
"#,
            ),
            fix: "Remove the value from the manifest and rotate it: it is in the repository's history. Store it in the vault (AWS Secrets Manager, SSM Parameter Store), sync it into a Secret with the External Secrets Operator or mount it with the Secrets Store CSI driver, and reference it with `valueFrom.secretKeyRef`.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

fn check(object: &K8sObject, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !sets_a_secret(&object.root) {
        return;
    }
    walk(&object.root, |node, path| {
        let Some((name, value_node)) = env_item(node, path) else {
            return true;
        };
        if let Some(found) = secret_set(name, value_node) {
            let what = if found.kind == "literal secret" {
                format!("a literal secret `{}`", redact(&found.text))
            } else {
                format!(
                    "a value containing {} (`{}`)",
                    with_article(found.kind),
                    redact(&found.text)
                )
            };
            sink.report_secret(
                value_node.span,
                format!(
                    "{} sets `{name}` to {what}; reference a Secret with `valueFrom.secretKeyRef` instead",
                    env_owner(&object.root, path)
                ),
                &found.text,
            );
        }
        false
    });
}

/// Whether an `env` item under `root` sets a secret, asked without the paths
/// that only a report needs: most objects set none, and the walk of `check`
/// keeps a path to every value it visits (docs/benchmarks-history.md, seventeenth
/// round). It reads every item of every `env` list, and the walk reports only
/// items among those, so when this finds none the walk would report none.
fn sets_a_secret(root: &Node) -> bool {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match &node.value {
            Value::Scalar(..) => {}
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(entries) => {
                for entry in entries.iter() {
                    if entry.key.as_str() == Some("env")
                        && let Value::Seq(items) = &entry.value.value
                        && items.iter().any(|item| {
                            env_assignment(item)
                                .is_some_and(|(name, value)| secret_set(name, value).is_some())
                        })
                    {
                        return true;
                    }
                    stack.push(&entry.value);
                }
            }
        }
    }
    false
}

/// The secret an `env` item named `name` sets to the literal `value`, if any:
/// what `check` reports and what `sets_a_secret` looks for.
fn secret_set(name: &str, value: &Node) -> Option<SecretMatch> {
    secret_in_assignment(name, value.as_str()?)
}
