use rampart_config::Severity;
use rampart_model::K8sObject;
use rampart_source::{Span, redact};
use rampart_yaml::Node;

use super::{LiteralBlock, char_column, is_core, whole_secret, with_article};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};
use crate::secrets::{SecretMatch, assignment_in_line, find_credentials, secret_in_assignment};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "SEC-002",
        name: "secret-in-configmap",
        severity: Severity::High,
        summary: "Secret stored in a ConfigMap",
        requirements: &["G-CFG-02", "P-IIB2-a", "P-IIB2-b"],
        docs: RuleDocs {
            what: "Reports secrets in the `data` of a `v1` ConfigMap: an entry whose key says it holds a secret (`DB_PASSWORD`, `api-key`) with a literal value, a value containing a credential with a known shape (an AWS access key id, a private key, a GitHub or OpenAI token, a password in a URL, …), and the same inside configuration files kept in a value: `key=value` lines (`.env`, `application.properties`, INI, TOML), `key: value` lines (YAML) and `\"key\": \"value\"` lines (JSON), such as `spring.datasource.password=…`. Values that are visibly not secrets are skipped: empty, `${VAR}` and `{{ … }}` references, `ENC(…)` ciphertext, paths, placeholders. For a literal block scalar (`|`) the finding points at the line inside the value; otherwise at the entry.",
            why: "ConfigMaps are meant for configuration anyone in the namespace may read: they are not encrypted at rest, RBAC grants read on them broadly, they are printed by `kubectl describe` and copied into logs and support bundles. A secret in one is committed to the repository and exposed in the cluster. The policy requires secrets in an approved vault, injected at runtime (G-CFG-02, P-IIB2-a), and never committed (P-IIB2-b).",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: summariser-config
  namespace: high-agents
data:
  LOG_LEVEL: info
  application.properties: |
    spring.datasource.url=jdbc:postgresql://db:5432/summaries
    spring.datasource.username=summariser
    spring.datasource.password=Tr0ub4dor&3-horse
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: summariser-config
  namespace: high-agents
data:
  LOG_LEVEL: info
  application.properties: |
    spring.datasource.url=jdbc:postgresql://db:5432/summaries
    spring.datasource.username=summariser
    spring.datasource.password=${DB_PASSWORD}
"#,
            ),
            fix: "Rotate the secret (it is in the repository's history) and move it to the vault. Sync it into a Secret with the External Secrets Operator or mount it with the Secrets Store CSI driver, and let the configuration refer to it (`${DB_PASSWORD}` resolved from an environment variable set with `valueFrom.secretKeyRef`, or a file under a mounted secret volume).",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

fn describe(found: &SecretMatch) -> String {
    if found.kind == "literal secret" {
        format!("a literal secret `{}`", redact(&found.text))
    } else {
        format!("{} (`{}`)", with_article(found.kind), redact(&found.text))
    }
}

fn check(object: &K8sObject, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_core(object, "ConfigMap") {
        return;
    }
    let Some(data) = object.root.get("data") else {
        return;
    };
    let file = ctx.project.file(object.file);
    let config_map = &object.name;
    for entry in data.entries() {
        let (Some(key), Some(value)) = (entry.key.as_str(), entry.value.as_str()) else {
            continue;
        };
        let single_line = !value.trim().contains('\n');
        if single_line && let Some(found) = secret_in_assignment(key, value) {
            sink.report_secret(
                entry.value.span,
                format!(
                    "ConfigMap `{config_map}` key `{key}` holds {}; ConfigMaps are neither secret nor encrypted",
                    describe(&found)
                ),
                &found.text,
            );
            continue;
        }
        embedded(file, key, &entry.value, config_map, entry.key.span, sink);
    }
}

/// Secrets in the lines of a (multi-line) value: embedded assignments and
/// credentials with a known shape. One finding per line.
fn embedded(
    file: &rampart_source::SourceFile,
    key: &str,
    value: &Node,
    config_map: &str,
    key_span: Span,
    sink: &mut Sink<'_>,
) {
    let Some(text) = value.as_str() else {
        return;
    };
    let block = LiteralBlock::new(file, value);
    let mut line_start = 0;
    for (index, line) in text.split('\n').enumerate() {
        let offset = line_start;
        line_start += line.len() + 1;
        let (found, at, subject) = match assignment_in_line(line) {
            Some(assignment) => {
                let found = if assignment.is_code() {
                    // Code computing the value: only a credential shape counts.
                    find_credentials(assignment.value).into_iter().next()
                } else {
                    secret_in_assignment(assignment.key, assignment.value)
                };
                let Some(found) = found else {
                    continue;
                };
                let at = line[assignment.value_offset..]
                    .find(found.text.as_str())
                    .map(|i| assignment.value_offset + i);
                (found, at, format!("sets `{}` to", assignment.key))
            }
            None => {
                let Some(found) = find_credentials(line).into_iter().next() else {
                    continue;
                };
                let at = line.find(found.text.as_str());
                (found, at, "contains".to_owned())
            }
        };
        let precise = at.zip(block.as_ref()).and_then(|(byte, block)| {
            block.span(index, char_column(line, byte), found.text.chars().count())
        });
        let (span, place) = match precise {
            Some(span) => (span, String::new()),
            None if !text.trim().contains('\n') => (value.span, String::new()),
            None => (key_span, format!(" on line {} of the value", index + 1)),
        };
        sink.report_secret(
            span,
            format!(
                "ConfigMap `{config_map}` key `{key}`{place} {subject} {}; ConfigMaps are neither secret nor encrypted",
                describe(&found)
            ),
            whole_secret(text, offset, line, &found),
        );
    }
}
