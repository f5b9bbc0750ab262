use rampart_config::Severity;
use rampart_model::K8sObject;
use rampart_source::Span;
use rampart_yaml::Node;

use super::is_core;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};
use crate::secrets::{decode_base64, is_placeholder};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "SEC-003",
        name: "secret-manifest-committed",
        severity: Severity::High,
        summary: "Secret manifest with values committed to the repository",
        requirements: &["P-IIB2-a", "G-CFG-02", "P-IIB2-b"],
        docs: RuleDocs {
            what: "Reports a `v1` `Secret` whose `data` or `stringData` holds at least one real value. Values that are visibly not secrets do not count: empty values, references resolved later (`${VAR}`, `{{ .Values.x }}`, `$(VAR)`), placeholders (`REPLACE_ME`, `<password>`), public certificates alone (a `ca.crt`), and `data` values whose base64 decodes to one of those. A `data` value that is not valid base64 is judged as written. The message names the keys, never the values. Secrets that carry no values (a `kubernetes.io/service-account-token` Secret the control plane fills in) and other kinds that describe secrets without holding them (`ExternalSecret`, `SealedSecret`, `SecretProviderClass`) are not reported.",
            why: "Base64 is an encoding, not encryption: a committed Secret is a plaintext secret in every clone, fork and CI cache of the repository, forever in its history, and a `kubectl apply` away from any cluster. The policy requires secrets to live in an approved vault and be injected at runtime (P-IIB2-a, G-CFG-02) and never be committed (P-IIB2-b).",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Secret
metadata:
  name: summariser-db
  namespace: high-agents
type: Opaque
data:
  username: c3VtbWFyaXNlcg==
  password: VHIwdWI0ZG9yJjMtaG9yc2U=
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: summariser-db
  namespace: high-agents
spec:
  refreshInterval: 1h
  secretStoreRef:
    kind: ClusterSecretStore
    name: aws-secrets-manager
  target:
    name: summariser-db
  dataFrom:
    - extract:
        key: agents/high/summariser-db
"#,
            ),
            fix: "Delete the Secret from the repository and rotate every value in it: they stay in the history. Keep the values in the vault and let the cluster fetch them: an `ExternalSecret` (External Secrets Operator) or a `SecretProviderClass` (Secrets Store CSI driver) for AWS Secrets Manager or SSM; if a Secret must live in Git, commit it encrypted as a `SealedSecret` or with SOPS.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

/// Whether a `data` value (base64) holds a real value.
fn data_value_is_real(text: &str) -> bool {
    let trimmed = text.trim();
    // Templated (`${B64}`, `{{ .Values.pw | b64enc }}`, `<base64>`) or empty. Only
    // these are judged as written: base64 itself may start with `/` or contain
    // any placeholder word by chance.
    if trimmed.is_empty()
        || ["${", "$(", "{{", "<"]
            .iter()
            .any(|p| trimmed.starts_with(p))
    {
        return false;
    }
    match decode_base64(text) {
        Some(bytes) => match String::from_utf8(bytes) {
            Ok(decoded) => string_value_is_real(&decoded),
            // Binary (a keystore, a DER key): a real value.
            Err(_) => true,
        },
        None => string_value_is_real(text),
    }
}

/// Whether a plain value is a secret: not a placeholder, and not only public
/// certificates (a CA bundle in a Secret is not secret material).
fn string_value_is_real(value: &str) -> bool {
    let trimmed = value.trim();
    let certificates_only = trimmed.starts_with("-----BEGIN CERTIFICATE-----")
        && !trimmed.contains("PRIVATE KEY")
        && trimmed
            .lines()
            .filter(|l| l.starts_with("-----BEGIN"))
            .all(|l| l.trim() == "-----BEGIN CERTIFICATE-----");
    !certificates_only && !is_placeholder(value)
}

/// The keys of a block that hold real values, with the values.
fn real_entries(block: Option<&Node>, real: fn(&str) -> bool) -> Vec<(&str, &str)> {
    block
        .map(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            let key = e.key.as_str()?;
            let value = e.value.as_str()?;
            real(value).then_some((key, value))
        })
        .collect()
}

fn check(object: &K8sObject, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_core(object, "Secret") {
        return;
    }
    let mut keys: Vec<&str> = Vec::new();
    // The values as written and, for `data`, decoded: every report redacts them
    // wherever this file's text is printed.
    let mut secrets: Vec<String> = Vec::new();
    let mut span: Option<Span> = None;
    for (block, real) in [
        ("data", data_value_is_real as fn(&str) -> bool),
        ("stringData", string_value_is_real),
    ] {
        let found = real_entries(object.root.get(block), real);
        if !found.is_empty() {
            // Point at whichever block comes first in the file.
            span = match (span, object.key_span(&[block])) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            for (key, value) in found {
                keys.push(key);
                secrets.push(value.trim().to_owned());
                if block == "data"
                    && let Some(decoded) = decode_base64(value)
                        .and_then(|bytes| String::from_utf8(bytes).ok())
                        .filter(|text| !text.trim().is_empty())
                {
                    secrets.push(decoded.trim().to_owned());
                }
            }
        }
    }
    let Some(span) = span else {
        return;
    };
    keys.sort_unstable();
    keys.dedup();
    let list = keys
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let noun = if keys.len() == 1 { "value" } else { "values" };
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    sink.report_secrets(
        span,
        format!(
            "Secret `{}` commits {} {noun} ({list}) to the repository; base64 is an encoding, not encryption",
            object.name,
            keys.len(),
        ),
        &secrets,
    );
}
