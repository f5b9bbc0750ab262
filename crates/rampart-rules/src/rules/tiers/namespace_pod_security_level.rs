use rampart_config::{PodSecurityLevel, Severity};
use rampart_model::K8sObject;
use rampart_yaml::Node;

use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "TIER-001",
        name: "namespace-pod-security-level",
        severity: Severity::High,
        summary: "Namespace does not enforce the Pod Security level its tier requires",
        requirements: &["S-PSS-01", "S-PSS-05", "S-INV-01"],
        docs: RuleDocs {
            what: "For every Namespace not in `kubernetes.exempt-namespaces`, reports a missing `pod-security.kubernetes.io/enforce` label (at the namespace's name), and an `enforce` value that is weaker than the level the namespace's tier requires (`tiers.<tier>.pod-security`; `kubernetes.untiered-pod-security` for a namespace without a tier label) or is not a level at all (at the value). Also reports a `pod-security.kubernetes.io/enforce-version` that is neither `latest` nor `v1.<minor>`. When the required level is `privileged`, a missing label is not reported. The `audit` and `warn` labels are recommended but not checked.",
            why: "Pod Security admission enforces nothing in a namespace without an `enforce` label (the cluster default applies, `privileged` on EKS), so every pod-level control of the tier is only as good as the last manifest review. The policy requires `restricted` for critical namespaces (S-PSS-01) and at least `baseline` everywhere else (S-PSS-05); rampart's tier profiles say which level each tier needs. An invalid value makes the API server reject the Namespace.",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Namespace
metadata:
  name: critical-agents
  labels:
    agent-classification: critical
    pod-security.kubernetes.io/enforce: baseline
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: Namespace
metadata:
  name: critical-agents
  labels:
    agent-classification: critical
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/audit: restricted
    pod-security.kubernetes.io/warn: restricted
"#,
            ),
            fix: "Label the namespace `pod-security.kubernetes.io/enforce: <level>` with the level of its tier (`restricted` for critical and high by default), and pin `enforce-version` to `latest` or a `v1.<minor>` you have tested. Add the same level to `audit` and `warn` so violations show up in audit logs and `kubectl` output too.",
        },
    },
    check: Check::Object(check),
    inactive_when: None,
};

const ENFORCE: &str = "pod-security.kubernetes.io/enforce";
const ENFORCE_VERSION: &str = "pod-security.kubernetes.io/enforce-version";

/// A level exactly as Pod Security admission accepts it (case-sensitive, no padding).
fn parse_level(text: &str) -> Option<PodSecurityLevel> {
    PodSecurityLevel::parse(text).filter(|l| l.as_str() == text)
}

/// `latest` or `v1.<minor>` (no leading zero), as Pod Security admission accepts it.
fn is_valid_version(text: &str) -> bool {
    if text == "latest" {
        return true;
    }
    let Some(minor) = text.strip_prefix("v1.") else {
        return false;
    };
    !minor.is_empty()
        && minor.bytes().all(|b| b.is_ascii_digit())
        && (minor.len() == 1 || !minor.starts_with('0'))
}

fn shown(node: &Node) -> &str {
    node.as_str().unwrap_or("null")
}

fn check(object: &K8sObject, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if object.kind != "Namespace" || ctx.is_exempt_namespace(Some(&object.name)) {
        return;
    }
    let name = &object.name;
    let (required, requirement) = match object.tier {
        Some(tier) => {
            let level = ctx.config.tiers.profile(tier).pod_security;
            (level, format!("the {tier} tier requires `{level}`"))
        }
        None => {
            let level = ctx.config.kubernetes.untiered_pod_security;
            (
                level,
                format!(
                    "namespaces without a tier must enforce `{level}` (`kubernetes.untiered-pod-security`)"
                ),
            )
        }
    };
    let labels = object.labels();
    match labels.and_then(|l| l.get(ENFORCE)) {
        None if required > PodSecurityLevel::Privileged => sink.report(
            object.span(),
            format!(
                "namespace `{name}` has no `{ENFORCE}` label, so Pod Security admission enforces only the cluster default (`privileged` unless configured otherwise); {requirement}"
            ),
        ),
        None => {}
        Some(node) => match node.as_str().and_then(parse_level) {
            None => sink.report(
                node.span,
                format!(
                    "`{ENFORCE}: {}` is not a Pod Security level (`privileged`, `baseline` or `restricted`): Pod Security admission rejects the namespace{}",
                    shown(node),
                    if required > PodSecurityLevel::Privileged {
                        format!("; {requirement}")
                    } else {
                        String::new()
                    }
                ),
            ),
            Some(level) if level < required => sink.report(
                node.span,
                format!(
                    "namespace `{name}` enforces Pod Security `{level}`, which is weaker than required: {requirement}"
                ),
            ),
            Some(_) => {}
        },
    }
    if let Some(node) = labels
        .and_then(|l| l.get(ENFORCE_VERSION))
        .filter(|n| !n.as_str().is_some_and(is_valid_version))
    {
        sink.report(
            node.span,
            format!(
                "`{ENFORCE_VERSION}: {}` is not a Pod Security version (`latest` or `v1.<minor>`, such as `v1.31`): Pod Security admission rejects the namespace",
                shown(node)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_follow_pod_security_admission() {
        for ok in ["latest", "v1.0", "v1.9", "v1.31"] {
            assert!(is_valid_version(ok), "{ok}");
        }
        for bad in [
            "", "Latest", "v1", "v1.", "v1.05", "1.31", "v2.1", "v1.31.0",
        ] {
            assert!(!is_valid_version(bad), "{bad}");
        }
    }

    #[test]
    fn levels_are_case_sensitive() {
        assert_eq!(parse_level("baseline"), Some(PodSecurityLevel::Baseline));
        assert_eq!(parse_level("Restricted"), None);
        assert_eq!(parse_level(" restricted"), None);
    }
}
