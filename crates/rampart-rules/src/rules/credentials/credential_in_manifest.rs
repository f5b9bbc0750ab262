use std::collections::HashSet;

use rampart_config::Severity;
use rampart_model::K8sObject;
use rampart_source::redact;
use rampart_yaml::Value;

use super::{
    LiteralBlock, Step, char_column, display_path, env_item, is_core, value_texts, walk,
    whole_secret, with_article,
};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};
use crate::secrets::{find_credentials, may_contain_credentials};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "SEC-004",
        name: "credential-in-manifest",
        severity: Severity::Critical,
        summary: "Credential committed in a Kubernetes manifest",
        requirements: &["P-IIB2-b", "G-CFG-02"],
        docs: RuleDocs {
            what: "Reports credentials with a known shape (AWS access key ids, private keys, GitHub, GitLab, Slack, Stripe, OpenAI, Anthropic, Hugging Face, Google, npm and PyPI tokens, Slack webhooks, JSON Web Tokens, passwords in URLs, Redis `requirepass`) in any string of any Kubernetes object: annotations, labels, container `command` and `args`, probes, and the specs of custom resources. Documented sample keys (`AKIAIOSFODNN7EXAMPLE`, the jwt.io sample token), a private-key header followed by prose, URLs whose password is a reference (`postgres://app:${PW}@db`) and the `description` texts of a CustomResourceDefinition's schema are not credentials. The places other rules read are left to them, so nothing is reported twice: `env[].value` (SEC-001), the `data` of a ConfigMap (SEC-002), the `data` and `stringData` of a Secret (SEC-003), and the `kubectl.kubernetes.io/last-applied-configuration` annotation, which repeats the object.",
            why: "A credential in a manifest is committed: it is in every clone, fork and CI cache of the repository and in its history for good, and anyone who can read the object in the cluster can read it too. Credentials with a recognisable shape are live keys to real systems, which is why the policy treats any committed one as critical (P-IIB2-b) and requires secrets to come from a vault at runtime (G-CFG-02).",
            fail: Example::yaml(
                r#"apiVersion: batch/v1
kind: Job
metadata:
  name: fetch-model
  namespace: high-agents
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: fetch
          image: registry.example.com/agents/fetch:1.0.3
          args:
            - --repo=https://github.com/acme/models.git
            - --token=ghp_R8x2Kq7LmN4pV9sT3wY6zA1bC5dE0fG7hJ2k
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: batch/v1
kind: Job
metadata:
  name: fetch-model
  namespace: high-agents
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: fetch
          image: registry.example.com/agents/fetch:1.0.3
          args:
            - --repo=https://github.com/acme/models.git
            - --token-file=/var/run/secrets/github/token
          volumeMounts:
            - name: github
              mountPath: /var/run/secrets/github
              readOnly: true
      volumes:
        - name: github
          secret:
            secretName: fetch-model-github
"#,
            ),
            fix: "Revoke the credential now (it is in the repository's history) and issue a new one into the vault. Deliver it at runtime from a Secret synced by the External Secrets Operator or mounted by the Secrets Store CSI driver: as a file the program reads (`--token-file`), or as an environment variable set with `valueFrom.secretKeyRef` and referenced in `args` as `$(TOKEN)`.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Whether another rule reads the node at `path`, or it repeats the object.
fn read_elsewhere(object: &K8sObject, path: &[Step<'_>]) -> bool {
    match path {
        [Step::Key("data" | "stringData"), ..] if is_core(object, "Secret") => true,
        [Step::Key("data"), ..] if is_core(object, "ConfigMap") => true,
        [
            Step::Key("metadata"),
            Step::Key("annotations"),
            Step::Key(LAST_APPLIED),
        ] => true,
        // Schema documentation quotes example connection strings and tokens.
        [.., Step::Key("description")] => object.kind == "CustomResourceDefinition",
        _ => false,
    }
}

fn check(object: &K8sObject, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    // Most objects hold no credential anywhere: one search over all their
    // values says so before any value is searched on its own. The keys are
    // left out: the walk below reads values only.
    if !may_contain_credentials(value_texts(&object.root)) {
        return;
    }
    let file = ctx.project.file(object.file);
    walk(&object.root, |node, path| {
        if read_elsewhere(object, path) {
            return false;
        }
        if env_item(node, path).is_some() {
            // SEC-001 reads the value; the rest of the item (`valueFrom`) holds
            // nothing literal.
            return false;
        }
        let Value::Scalar(..) = node.value else {
            return true;
        };
        let Some(text) = node.as_str() else {
            return false;
        };
        let block = LiteralBlock::new(file, node);
        let mut seen: HashSet<String> = HashSet::new();
        let mut line_start = 0;
        for (index, line) in text.split('\n').enumerate() {
            let offset = line_start;
            line_start += line.len() + 1;
            for found in find_credentials(line) {
                if !seen.insert(found.text.clone()) {
                    continue;
                }
                let span = line
                    .find(found.text.as_str())
                    .zip(block.as_ref())
                    .and_then(|(byte, block)| {
                        block.span(index, char_column(line, byte), found.text.chars().count())
                    })
                    .unwrap_or(node.span);
                sink.report_secret(
                    span,
                    format!(
                        "`{}` contains {} (`{}`); revoke it and deliver it from a Secret at runtime",
                        display_path(path),
                        with_article(found.kind),
                        redact(&found.text)
                    ),
                    whole_secret(text, offset, line, &found),
                );
            }
        }
        false
    });
}
