//! The admission part of the baseline: `admissionregistration.k8s.io/v1`
//! ValidatingAdmissionPolicies (CEL, run by the API server itself: GA since Kubernetes
//! 1.30, no webhook or controller to install or keep available) and their bindings to
//! the tier namespaces. They enforce at request time what the scan checks in the
//! repository, for Pods and every pod controller:
//!
//! - `pod-security.yaml`: the Pod Security level of each tier's profile, beside Pod
//!   Security admission as a second, independent control (S-PSS-01, S-PSS-05, C-04).
//! - `tier-placement.yaml`: per tier, the pod's tier label and its node placement:
//!   critical and high pods select their own nodes and tolerate their own taint, and no
//!   pod tolerates another tier's taint (S-INV-01, S-NP-06, S-NODE-09, C-27, C-28).
//! - `service-account-token.yaml`: no agent pod mounts an API token (G-SEC-02).
//!
//! Every policy fails closed (`failurePolicy: Fail`, S-ADM-02), and every binding
//! denies and audits (`validationActions: [Deny, Audit]`).
//!
//! The CEL reaches the pod template of every kind through `variables.template`
//! (`object` for a Pod, `spec.jobTemplate.spec.template` for a CronJob,
//! `spec.template` otherwise) and works on it as `dyn`: one policy covers eight kinds
//! whose schemas differ, so a typed access valid for one kind would be a type error
//! for the others.

use rampart_config::{PodSecurityLevel, Tier};

use crate::layout::{NODE_TIER_KEY, TIER_LABEL, namespace};
use crate::yaml::Yaml;
use crate::{Context, Deviation, GeneratedFile};

pub(crate) const DEVIATIONS: &[Deviation] = &[
    Deviation {
        seed: "OPA Gatekeeper policies per classification (none named)",
        generated: "ValidatingAdmissionPolicies with bindings per tier namespace: Pod Security level, tier label, node placement and API token, for Pods and every pod controller, failing closed",
        why: "ValidatingAdmissionPolicy is built into the API server (GA since Kubernetes 1.30): no Gatekeeper deployment, webhook certificate or availability to manage, and nothing to bypass when a webhook is down",
        refs: &["S-ADM-01", "S-ADM-02"],
    },
    Deviation {
        seed: "`Pod_Security_Policy: critical-agents-psp` enforces the pod-level controls",
        generated: "the tier's Pod Security level checked in CEL (run as non-root, no privilege escalation, all capabilities dropped, RuntimeDefault or Localhost seccomp, no privileged containers, host namespaces, hostPath or hostPort), beside the namespaces' Pod Security admission labels",
        why: "PodSecurityPolicy was removed in Kubernetes 1.25; the policies give a second control that also rejects a non-compliant Deployment or CronJob when it is created, not only its pods later",
        refs: &["C-04", "S-PSS-01", "S-PSS-02", "S-PSS-05"],
    },
    Deviation {
        seed: "critical nodes tainted `agent-classification=critical:NoSchedule`, nothing else",
        generated: "pods in the critical namespace must select the critical nodes (nodeSelector or required node affinity) and tolerate their taint; pods of every other tier must not tolerate it",
        why: "a taint only repels pods that do not tolerate it: it neither keeps critical pods on critical nodes nor stops another pod from tolerating it",
        refs: &["C-27", "S-NODE-09", "G-RES-05"],
    },
    Deviation {
        seed: "high-value nodes: \"similar configuration\", no taint",
        generated: "high-value pods must select the high-value nodes and tolerate their taint `agent-classification=high:NoSchedule`; standard pods may tolerate neither taint",
        why: "without their own taint and placement, high-value agents share nodes with standard agents, and their tier controls stop at the namespace",
        refs: &["C-28", "S-NODE-10"],
    },
    Deviation {
        seed: "pods are selected by `classification: critical`, but nothing makes pods carry it",
        generated: "every pod (template) in a tier namespace must carry `classification: <tier>`, and any other tier label it carries must name the same tier",
        why: "an unlabelled pod falls outside its agent's NetworkPolicy and every tier-aware control; a conflicting label makes different controls apply different tiers",
        refs: &["S-INV-01", "S-NP-06"],
    },
];

/// Tiers whose nodes are tainted `agent-classification=<tier>:NoSchedule` (the node
/// groups of the Terraform part); standard nodes are untainted.
const TAINTED_TIERS: [Tier; 2] = [Tier::Critical, Tier::High];

/// Capabilities the baseline Pod Security level allows a container to add.
const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// The only capability the restricted level allows a container to add.
const RESTRICTED_CAPABILITIES: &[&str] = &["NET_BIND_SERVICE"];

/// Seccomp profile types the restricted level accepts.
const CONFINED_SECCOMP: &[&str] = &["RuntimeDefault", "Localhost"];

/// One CEL validation of a policy.
struct Validation {
    expression: String,
    /// Names the field and the requirement; shown when `message_expression` fails.
    message: String,
    /// The message with the offending containers or values, as a CEL string expression.
    message_expression: Option<String>,
}

/// A policy and what its binding matches.
struct Policy {
    name: String,
    /// Skip Pod updates other than adding ephemeral containers: a Pod's spec cannot
    /// change after creation, so a metadata update (a finalizer removed, a label
    /// added) must not be rejected over a spec it cannot change.
    only_spec_changes: bool,
    variables: Vec<(&'static str, String)>,
    validations: Vec<Validation>,
    namespaces: Vec<&'static str>,
}

pub(crate) fn render(context: &Context<'_>) -> Vec<GeneratedFile> {
    [
        ("pod-security.yaml", pod_security_policies(context)),
        ("tier-placement.yaml", tier_policies(context)),
        (
            "service-account-token.yaml",
            vec![service_account_token_policy()],
        ),
    ]
    .into_iter()
    .map(|(name, policies)| {
        let documents: Vec<Yaml> = policies
            .iter()
            .flat_map(|policy| [policy_document(policy), binding_document(policy)])
            .collect();
        GeneratedFile {
            path: format!("admission/{name}"),
            contents: format!("{}{}", context.header("#"), Yaml::to_stream(&documents)),
        }
    })
    .collect()
}

/// A CEL string literal.
fn cel_string(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A CEL list of string literals.
fn cel_list(items: &[&str]) -> String {
    let items: Vec<String> = items.iter().map(|item| cel_string(item)).collect();
    format!("[{}]", items.join(", "))
}

/// The pod template of every matched kind, then its spec (see the module docs).
fn template_variables() -> Vec<(&'static str, String)> {
    vec![
        (
            "template",
            "request.kind.kind == 'Pod' ? dyn(object) :\nrequest.kind.kind == 'CronJob' ? dyn(object).spec.jobTemplate.spec.template :\ndyn(object).spec.template".to_owned(),
        ),
        ("spec", "variables.template.spec".to_owned()),
    ]
}

/// A variable listing the names of the containers (init and ephemeral included)
/// for which `predicate` on `c` holds.
fn containers_where(predicate: &str) -> String {
    format!("variables.containers.filter(c,\n  {predicate}\n).map(c, c.name)")
}

/// A validation that the list variable `variable` is empty, naming its items.
fn none_of(variable: &str, message: &str) -> Validation {
    Validation {
        expression: format!("size(variables.{variable}) == 0"),
        message: message.to_owned(),
        message_expression: Some(format!(
            "{} + variables.{variable}.join(', ')",
            cel_string(&format!("{message}; found in: "))
        )),
    }
}

fn check(expression: &str, message: &str) -> Validation {
    Validation {
        expression: expression.to_owned(),
        message: message.to_owned(),
        message_expression: None,
    }
}

/// `has(c.securityContext) && has(c.securityContext.<path>)`, each step tested.
fn container_has(path: &str) -> String {
    let mut parts = vec!["has(c.securityContext)".to_owned()];
    let mut prefix = "c.securityContext".to_owned();
    for field in path.split('.') {
        prefix = format!("{prefix}.{field}");
        parts.push(format!("has({prefix})"));
    }
    parts.join(" && ")
}

/// One policy per Pod Security level that some tier requires: restricted for the
/// tiers whose profile says so (critical and high by default), baseline for the rest.
fn pod_security_policies(context: &Context<'_>) -> Vec<Policy> {
    [PodSecurityLevel::Restricted, PodSecurityLevel::Baseline]
        .into_iter()
        .filter_map(|level| {
            let namespaces: Vec<&'static str> = Tier::ALL
                .into_iter()
                .filter(|tier| context.config.tiers.profile(*tier).pod_security == level)
                .map(namespace)
                .collect();
            if namespaces.is_empty() {
                return None;
            }
            let (variables, validations) = pod_security_checks(level);
            Some(Policy {
                name: format!("rampart-pod-security-{level}"),
                only_spec_changes: true,
                variables,
                validations,
                namespaces,
            })
        })
        .collect()
}

/// The checks of a Pod Security level (`baseline` or `restricted`), with the
/// variables they read.
fn pod_security_checks(level: PodSecurityLevel) -> (Vec<(&'static str, String)>, Vec<Validation>) {
    let restricted = level == PodSecurityLevel::Restricted;
    let standard = if restricted {
        "Pod Security restricted, S-PSS-01"
    } else {
        "Pod Security baseline, S-PSS-05"
    };
    let mut variables = template_variables();
    variables.push((
        "containers",
        "variables.spec.containers +\n(has(variables.spec.initContainers) ? variables.spec.initContainers : []) +\n(has(variables.spec.ephemeralContainers) ? variables.spec.ephemeralContainers : [])".to_owned(),
    ));
    variables.push((
        "podSecurityContext",
        "has(variables.spec.securityContext) ? variables.spec.securityContext : {}".to_owned(),
    ));
    let mut validations = Vec::new();

    // Baseline, and so restricted too.
    variables.push((
        "privilegedContainers",
        containers_where(&format!(
            "{} && c.securityContext.privileged == true",
            container_has("privileged")
        )),
    ));
    validations.push(none_of(
        "privilegedContainers",
        &format!(
            "securityContext.privileged must be false or unset in every container: privileged containers are forbidden ({standard})"
        ),
    ));
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        validations.push(check(
            &format!("!has(variables.spec.{field}) || variables.spec.{field} == false"),
            &format!(
                "spec.{field} of the pod must be false or unset: pods may not share the namespaces of the node ({standard})"
            ),
        ));
    }
    variables.push((
        "hostPathVolumes",
        "has(variables.spec.volumes) ? variables.spec.volumes.filter(v, has(v.hostPath)).map(v, v.name) : []".to_owned(),
    ));
    validations.push(none_of(
        "hostPathVolumes",
        &format!(
            "volumes[].hostPath is forbidden: pods may not mount files or directories of the node ({standard})"
        ),
    ));
    variables.push((
        "hostPortContainers",
        containers_where("has(c.ports) && c.ports.exists(p, has(p.hostPort) && p.hostPort != 0)"),
    ));
    validations.push(none_of(
        "hostPortContainers",
        &format!(
            "ports[].hostPort must be 0 or unset in every container: pods may not bind ports of the node ({standard})"
        ),
    ));
    let allowed_capabilities = if restricted {
        RESTRICTED_CAPABILITIES
    } else {
        BASELINE_CAPABILITIES
    };
    variables.push((
        "addedCapabilities",
        containers_where(&format!(
            "{} && c.securityContext.capabilities.add.exists(a, !(a in {}))",
            container_has("capabilities.add"),
            cel_list(allowed_capabilities)
        )),
    ));
    validations.push(none_of(
        "addedCapabilities",
        &format!(
            "securityContext.capabilities.add may only list {} in every container ({standard})",
            allowed_capabilities.join(", ")
        ),
    ));

    if restricted {
        variables.push((
            "escalatingContainers",
            containers_where(&format!(
                "!({} && c.securityContext.allowPrivilegeEscalation == false)",
                container_has("allowPrivilegeEscalation")
            )),
        ));
        validations.push(none_of(
            "escalatingContainers",
            &format!(
                "securityContext.allowPrivilegeEscalation must be false in every container ({standard})"
            ),
        ));
        variables.push((
            "podRunsAsNonRoot",
            "has(variables.podSecurityContext.runAsNonRoot) && variables.podSecurityContext.runAsNonRoot == true".to_owned(),
        ));
        variables.push((
            "mayRunAsRoot",
            containers_where(&format!(
                "{} ? c.securityContext.runAsNonRoot != true : !variables.podRunsAsNonRoot",
                container_has("runAsNonRoot")
            )),
        ));
        validations.push(Validation {
            expression: "size(variables.mayRunAsRoot) == 0 &&\n!(has(variables.podSecurityContext.runAsNonRoot) && variables.podSecurityContext.runAsNonRoot == false)".to_owned(),
            ..none_of(
                "mayRunAsRoot",
                &format!(
                    "securityContext.runAsNonRoot must be true, in the pod securityContext or in every container, and false nowhere ({standard})"
                ),
            )
        });
        variables.push((
            "rootUserContainers",
            containers_where(&format!(
                "{} && c.securityContext.runAsUser == 0",
                container_has("runAsUser")
            )),
        ));
        validations.push(Validation {
            expression: "size(variables.rootUserContainers) == 0 &&\n!(has(variables.podSecurityContext.runAsUser) && variables.podSecurityContext.runAsUser == 0)".to_owned(),
            ..none_of(
                "rootUserContainers",
                &format!(
                    "securityContext.runAsUser must not be 0 (root), in the pod securityContext or in any container ({standard})"
                ),
            )
        });
        variables.push((
            "capabilitiesKept",
            containers_where(&format!(
                "!({} && 'ALL' in c.securityContext.capabilities.drop)",
                container_has("capabilities.drop")
            )),
        ));
        validations.push(none_of(
            "capabilitiesKept",
            &format!(
                "securityContext.capabilities.drop must include ALL in every container ({standard})"
            ),
        ));
        let confined = cel_list(CONFINED_SECCOMP);
        variables.push((
            "podSeccompConfined",
            format!(
                "has(variables.podSecurityContext.seccompProfile) && variables.podSecurityContext.seccompProfile.type in {confined}"
            ),
        ));
        variables.push((
            "unconfinedContainers",
            containers_where(&format!(
                "{} ? !(c.securityContext.seccompProfile.type in {confined}) : !variables.podSeccompConfined",
                container_has("seccompProfile")
            )),
        ));
        validations.push(Validation {
            expression: format!(
                "size(variables.unconfinedContainers) == 0 &&\n(!has(variables.podSecurityContext.seccompProfile) || variables.podSecurityContext.seccompProfile.type in {confined})"
            ),
            ..none_of(
                "unconfinedContainers",
                &format!(
                    "securityContext.seccompProfile.type must be RuntimeDefault or Localhost, in the pod securityContext or in every container ({standard})"
                ),
            )
        });
    } else {
        variables.push((
            "unconfinedContainers",
            containers_where(&format!(
                "{} && c.securityContext.seccompProfile.type == 'Unconfined'",
                container_has("seccompProfile")
            )),
        ));
        validations.push(Validation {
            expression: "size(variables.unconfinedContainers) == 0 &&\n!(has(variables.podSecurityContext.seccompProfile) && variables.podSecurityContext.seccompProfile.type == 'Unconfined')".to_owned(),
            ..none_of(
                "unconfinedContainers",
                &format!(
                    "securityContext.seccompProfile.type must not be Unconfined, in the pod securityContext or in any container ({standard})"
                ),
            )
        });
    }
    (variables, validations)
}

/// `agent-classification=critical:NoSchedule`.
fn taint(tier: Tier) -> String {
    format!("{NODE_TIER_KEY}={}:NoSchedule", tier.as_str())
}

/// Whether the toleration `t` tolerates the taint of `tier`'s nodes, as the scheduler
/// decides it: the effect matches (empty matches every effect), the key matches
/// (empty, with `Exists`, matches every key) and the value matches (`Exists` matches
/// every value).
fn tolerates(tier: Tier) -> String {
    format!(
        "(!has(t.effect) || t.effect == '' || t.effect == 'NoSchedule') &&\n  (!has(t.key) || t.key == '' || t.key == {key}) &&\n  ((has(t.operator) && t.operator == 'Exists') || (has(t.value) && t.value == {value}))",
        key = cel_string(NODE_TIER_KEY),
        value = cel_string(tier.as_str()),
    )
}

/// One policy per tier: the pods' tier labels and their node placement.
fn tier_policies(context: &Context<'_>) -> Vec<Policy> {
    Tier::ALL
        .into_iter()
        .map(|tier| tier_policy(context, tier))
        .collect()
}

fn tier_policy(context: &Context<'_>, tier: Tier) -> Policy {
    let ns = namespace(tier);
    let value = cel_string(tier.as_str());
    let mut variables = template_variables();
    variables.push((
        "labels",
        "has(variables.template.metadata) && has(variables.template.metadata.labels) ? variables.template.metadata.labels : {}".to_owned(),
    ));
    variables.push((
        "tolerations",
        "has(variables.spec.tolerations) ? variables.spec.tolerations : []".to_owned(),
    ));
    let mut validations = Vec::new();

    // S-INV-01, S-NP-06: the label every tier-aware control (and the agent's own
    // NetworkPolicy) selects on, equal to the namespace's tier.
    let label = cel_string(TIER_LABEL);
    validations.push(Validation {
        expression: format!("{label} in variables.labels && variables.labels[{label}] == {value}"),
        message: format!(
            "metadata.labels.{TIER_LABEL} of the pod (template) must be {tier}, the tier of namespace {ns} (S-INV-01, S-NP-06)"
        ),
        message_expression: Some(format!(
            "{} + ({label} in variables.labels ? 'it is ' + variables.labels[{label}] : 'it is missing')",
            cel_string(&format!(
                "metadata.labels.{TIER_LABEL} of the pod (template) must be {tier}, the tier of namespace {ns} (S-INV-01, S-NP-06); "
            ))
        )),
    });
    // Any other key rampart reads a tier from must agree (TIER-005).
    for key in context
        .config
        .tiers
        .label_keys
        .iter()
        .filter(|k| k.as_str() != TIER_LABEL)
    {
        let key_literal = cel_string(key);
        validations.push(check(
            &format!(
                "!({key_literal} in variables.labels) || variables.labels[{key_literal}] == {value}"
            ),
            &format!(
                "metadata.labels.{key} of the pod (template) must be {tier} or unset: it is a tier label too, and the tier of namespace {ns} is {tier} (S-INV-01)"
            ),
        ));
    }

    // A Pod's node selection and affinity cannot change after creation, and a
    // toleration added later cannot move it: placement is checked when the Pod is
    // created (and on every create or update of a controller), so a label or finalizer
    // update of an existing Pod is not rejected over its placement.
    variables.push((
        "placementFixed",
        "request.kind.kind == 'Pod' && request.operation == 'UPDATE'".to_owned(),
    ));
    if TAINTED_TIERS.contains(&tier) {
        // C-27: the taint keeps other pods off the tier's nodes; the selection keeps
        // the tier's pods on them.
        variables.push((
            "nodeSelector",
            "has(variables.spec.nodeSelector) ? variables.spec.nodeSelector : {}".to_owned(),
        ));
        variables.push((
            "requiredNodeTerms",
            "has(variables.spec.affinity) && has(variables.spec.affinity.nodeAffinity) &&\nhas(variables.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution) ?\nvariables.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms : []".to_owned(),
        ));
        let key = cel_string(NODE_TIER_KEY);
        validations.push(check(
            &format!(
                "variables.placementFixed ||\n({key} in variables.nodeSelector && variables.nodeSelector[{key}] == {value}) ||\n(size(variables.requiredNodeTerms) > 0 && variables.requiredNodeTerms.all(term,\n  has(term.matchExpressions) && term.matchExpressions.exists(e,\n    e.key == {key} && e.operator == 'In' && has(e.values) && size(e.values) > 0 && e.values.all(v, v == {value}))))"
            ),
            &format!(
                "the pod must run on {tier} nodes: set spec.nodeSelector {NODE_TIER_KEY}: {tier}, or a required node affinity every term of which requires {NODE_TIER_KEY} In [{tier}] (S-NODE-09, C-27)"
            ),
        ));
        validations.push(check(
            &format!(
                "variables.placementFixed || variables.tolerations.exists(t,\n  {}\n)",
                tolerates(tier)
            ),
            &format!(
                "spec.tolerations must tolerate the taint {} of the {tier} nodes (S-NODE-09)",
                taint(tier)
            ),
        ));
    }
    for other in TAINTED_TIERS.into_iter().filter(|other| *other != tier) {
        validations.push(check(
            &format!(
                "variables.placementFixed || !variables.tolerations.exists(t,\n  {}\n)",
                tolerates(other)
            ),
            &format!(
                "spec.tolerations must not tolerate the taint {} (a toleration without a key and with operator Exists tolerates every taint): only {other} agents may run on {other} nodes (S-NODE-09, C-27)",
                taint(other)
            ),
        ));
    }

    Policy {
        name: format!("rampart-tier-{ns}"),
        // Labels can change on a running Pod; they are checked on every update.
        only_spec_changes: false,
        variables,
        validations,
        namespaces: vec![ns],
    }
}

/// Every agent pod sets `automountServiceAccountToken: false`. The inventory declares
/// no agent that calls the Kubernetes API, so there is no exception (G-SEC-02).
fn service_account_token_policy() -> Policy {
    Policy {
        name: "rampart-service-account-token".to_owned(),
        only_spec_changes: true,
        variables: template_variables(),
        validations: vec![check(
            "has(variables.spec.automountServiceAccountToken) && variables.spec.automountServiceAccountToken == false",
            "spec.automountServiceAccountToken must be false: agents do not call the Kubernetes API, so their pods must not mount an API token (G-SEC-02, P-IIA-1)",
        )],
        namespaces: Tier::ALL.into_iter().map(namespace).collect(),
    }
}

/// Pods and every pod controller, on create and update.
fn resource_rules() -> Yaml {
    let rule = |group: &str, resources: &[&str]| {
        Yaml::map([
            ("apiGroups", Yaml::strs([group])),
            ("apiVersions", Yaml::strs(["v1"])),
            ("operations", Yaml::strs(["CREATE", "UPDATE"])),
            ("resources", Yaml::strs(resources.iter().copied())),
        ])
    };
    Yaml::seq([
        rule(
            "",
            &["pods", "pods/ephemeralcontainers", "replicationcontrollers"],
        ),
        rule(
            "apps",
            &["deployments", "replicasets", "statefulsets", "daemonsets"],
        ),
        rule("batch", &["jobs", "cronjobs"]),
    ])
}

fn policy_document(policy: &Policy) -> Yaml {
    let mut spec = vec![
        // S-ADM-02: an expression that cannot be evaluated rejects the request.
        ("failurePolicy".to_owned(), Yaml::str("Fail")),
        (
            "matchConstraints".to_owned(),
            Yaml::map([("resourceRules", resource_rules())]),
        ),
    ];
    if policy.only_spec_changes {
        spec.push((
            "matchConditions".to_owned(),
            Yaml::seq([Yaml::map([
                ("name", Yaml::str("pod-spec-can-change")),
                (
                    "expression",
                    Yaml::str(
                        "request.operation == 'CREATE' || request.kind.kind != 'Pod' || request.subResource == 'ephemeralcontainers'",
                    ),
                ),
            ])]),
        ));
    }
    spec.push((
        "variables".to_owned(),
        Yaml::Seq(
            policy
                .variables
                .iter()
                .map(|(name, expression)| {
                    Yaml::map([
                        ("name", Yaml::str(*name)),
                        ("expression", Yaml::str(expression)),
                    ])
                })
                .collect(),
        ),
    ));
    spec.push((
        "validations".to_owned(),
        Yaml::Seq(
            policy
                .validations
                .iter()
                .map(|validation| {
                    let mut entries = vec![
                        ("expression", Yaml::str(&validation.expression)),
                        ("message", Yaml::str(&validation.message)),
                    ];
                    if let Some(expression) = &validation.message_expression {
                        entries.push(("messageExpression", Yaml::str(expression)));
                    }
                    entries.push(("reason", Yaml::str("Forbidden")));
                    Yaml::map(entries)
                })
                .collect(),
        ),
    ));
    Yaml::map([
        ("apiVersion", Yaml::str("admissionregistration.k8s.io/v1")),
        ("kind", Yaml::str("ValidatingAdmissionPolicy")),
        ("metadata", Yaml::map([("name", Yaml::str(&policy.name))])),
        ("spec", Yaml::Map(spec)),
    ])
}

/// The binding of a policy to its namespaces, found by the label the API server sets
/// on every namespace (C-16).
fn binding_document(policy: &Policy) -> Yaml {
    Yaml::map([
        ("apiVersion", Yaml::str("admissionregistration.k8s.io/v1")),
        ("kind", Yaml::str("ValidatingAdmissionPolicyBinding")),
        ("metadata", Yaml::map([("name", Yaml::str(&policy.name))])),
        (
            "spec",
            Yaml::map([
                ("policyName", Yaml::str(&policy.name)),
                ("validationActions", Yaml::strs(["Deny", "Audit"])),
                (
                    "matchResources",
                    Yaml::map([(
                        "namespaceSelector",
                        Yaml::map([(
                            "matchExpressions",
                            Yaml::seq([Yaml::map([
                                ("key", Yaml::str("kubernetes.io/metadata.name")),
                                ("operator", Yaml::str("In")),
                                ("values", Yaml::strs(policy.namespaces.iter().copied())),
                            ])]),
                        )]),
                    )]),
                ),
            ]),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use rampart_config::Config;

    use super::*;
    use crate::inventory::Inventory;
    use crate::{InventorySource, Layout};

    fn render_with(config: &Config) -> Vec<GeneratedFile> {
        let inventory = Inventory::parse(crate::STARTER_INVENTORY, "agents.yaml").unwrap();
        let source = InventorySource::of("agents.yaml", crate::STARTER_INVENTORY.as_bytes());
        let context = Context {
            inventory: &inventory,
            config,
            layout: Layout::of(&inventory),
            source: &source,
        };
        render(&context)
    }

    fn contents<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
        &files.iter().find(|f| f.path == path).unwrap().contents
    }

    #[test]
    fn cel_strings_are_escaped() {
        assert_eq!(cel_string("critical"), "'critical'");
        assert_eq!(cel_string("it's"), "'it\\'s'");
        assert_eq!(cel_list(&["A", "B"]), "['A', 'B']");
    }

    #[test]
    fn each_level_is_bound_to_the_tiers_that_require_it() {
        let files = render_with(&Config::default());
        let text = contents(&files, "admission/pod-security.yaml");
        let bindings: Vec<&str> = text
            .split("---\n")
            .filter(|d| d.contains("kind: ValidatingAdmissionPolicyBinding"))
            .collect();
        assert_eq!(bindings.len(), 2);
        assert!(bindings[0].contains("policyName: rampart-pod-security-restricted"));
        assert!(bindings[0].contains("        - critical-agents\n        - high-value-agents\n"));
        assert!(bindings[1].contains("policyName: rampart-pod-security-baseline"));
        assert!(bindings[1].contains("        - standard-agents\n"));
        assert!(text.contains("allowPrivilegeEscalation must be false"));
        assert!(text.contains("failurePolicy: Fail\n"));

        // A configuration that makes every tier restricted binds one policy to all.
        let mut config = Config::default();
        config.tiers.standard.pod_security = PodSecurityLevel::Restricted;
        let files = render_with(&config);
        let text = contents(&files, "admission/pod-security.yaml");
        assert!(!text.contains("rampart-pod-security-baseline"));
        assert!(text.contains("        - standard-agents\n"));
    }

    #[test]
    fn placement_keeps_each_tier_on_its_nodes() {
        let files = render_with(&Config::default());
        let text = contents(&files, "admission/tier-placement.yaml");
        let policy = |name: &str| {
            text.split("---\n")
                .find(|d| {
                    d.contains("kind: ValidatingAdmissionPolicy\n")
                        && d.contains(&format!("  name: {name}\n"))
                })
                .unwrap()
        };
        let critical = policy("rampart-tier-critical-agents");
        assert!(critical.contains("the pod must run on critical nodes"));
        assert!(
            critical.contains("must tolerate the taint agent-classification=critical:NoSchedule")
        );
        assert!(
            critical.contains("must not tolerate the taint agent-classification=high:NoSchedule")
        );
        let high = policy("rampart-tier-high-value-agents");
        assert!(high.contains("the pod must run on high nodes"));
        assert!(
            high.contains("must not tolerate the taint agent-classification=critical:NoSchedule")
        );
        let standard = policy("rampart-tier-standard-agents");
        assert!(!standard.contains("must run on"));
        assert!(!standard.contains("must tolerate the taint"));
        assert!(
            standard
                .contains("must not tolerate the taint agent-classification=critical:NoSchedule")
        );
        assert!(
            standard.contains("must not tolerate the taint agent-classification=high:NoSchedule")
        );
        // Both tier label keys of the default configuration are checked.
        assert!(
            standard
                .contains("metadata.labels.classification of the pod (template) must be standard")
        );
        assert!(standard.contains(
            "metadata.labels.agent-classification of the pod (template) must be standard or unset"
        ));
    }

    #[test]
    fn expressions_span_lines_as_literal_blocks() {
        let files = render_with(&Config::default());
        let text = contents(&files, "admission/tier-placement.yaml");
        assert!(text.contains(
            "  - name: template\n    expression: |-\n      request.kind.kind == 'Pod' ? dyn(object) :\n"
        ));
    }
}
