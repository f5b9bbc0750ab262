use rampart_config::Severity;
use rampart_model::Subject;
use rampart_model::falco::Silence;

use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "FALCO-002",
        name: "falco-rule-never-fires",
        severity: Severity::Medium,
        summary: "Falco rule that can never fire",
        requirements: &[
            "S-FALCO-04",
            "S-FALCO-01",
            "S-FALCO-02",
            "S-FALCO-03",
            "S-FALCO-05",
            "P-IIIA1-b",
        ],
        docs: RuleDocs {
            what: "Reports a Falco rule that loads but can never alert. (1) Its condition requires two event types at once: every event has one type, so `spawned_process` (execve, execveat) and a macro such as `evt.type in (setuid, setgid)` joined by `and` match nothing — the policy's seed privilege-escalation rule (S-FALCO-04, C-19). Event types are followed through macros of the scanned files and upstream's (`spawned_process`, `open_read`, `open_write`, `outbound`, …) and through lists. A part under `not` restricts nothing, nor does an `or` with an unrestricted side; a macro defined, appended or overridden more than once is not followed; a rule whose condition another item appends to or overrides, and rules of plugin sources, are not judged. Reported at the `condition` key. (2) A rule the policy requires is switched off with `enabled: false` — in its definition, by a later `- rule: <name>` item with only `enabled`, or by `override: {enabled: replace}` — and no scanned item switches it back on. Required are rules tagged with a policy requirement (`S-FALCO-01` to `S-FALCO-05`, as `rampart generate` tags them) and upstream's \"Terminal shell in container\" (P-IIIA1-b). Reported at `enabled: false`. Other disabled rules are a tuning decision and are not reported.",
            why: "Falco accepts such a rule without a word, and everyone believes the detection is in place: a privilege escalation in a critical agent (S-FALCO-04) or a shell opened in a container (S-FALCO-01, P-IIIA1-b) goes unnoticed. An `enabled: false` added while tuning noise is easily forgotten in a rules file loaded after the one that defines the rule.",
            fail: Example::falco_rules(
                r#"- macro: setuid_or_setgid
  condition: evt.type in (setuid, setgid)

- rule: Detect privilege escalation
  desc: A process in a critical agent changed its user or group.
  condition: spawned_process and proc_name_exists and setuid_or_setgid
  output: Privilege escalation (proc=%proc.name pod=%k8s.pod.name)
  priority: CRITICAL
"#,
            ),
            pass: Example::falco_rules(
                r#"- macro: setuid_or_setgid
  condition: evt.type in (setuid, setgid)

- rule: Detect privilege escalation
  desc: A process in a critical agent changed its user or group.
  condition: setuid_or_setgid and container and proc_name_exists
  output: Privilege escalation (proc=%proc.name pod=%k8s.pod.name)
  priority: CRITICAL
"#,
            ),
            fix: "Match one kind of event per rule: for privilege escalation, the setuid-family syscalls themselves (`evt.type in (setuid, setresuid, setgid, setresgid)`, as upstream's \"Non sudo setuid\" does), without `spawned_process`; write a second rule for executions if you need both. Instead of disabling a required rule, narrow it with `exceptions` or an appended `and not …` for the known, legitimate case.",
        },
    },
    check: Check::Manifests(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    for silent in ctx.project.falco.silent_rules() {
        let message = match &silent.reason {
            Silence::Unsatisfiable {
                first,
                first_types,
                second,
                second_types,
            } if !first_types.is_empty() => format!(
                "rule `{}` can never fire: {first} matches only {} events and {second} only {} events, and its condition requires both of the same event",
                silent.rule,
                types(first_types),
                types(second_types)
            ),
            Silence::Unsatisfiable { .. } => format!(
                "rule `{}` can never fire: its condition requires two different types of the same event",
                silent.rule
            ),
            Silence::DisabledRequired { requirement } => format!(
                "rule `{}` is switched off (`enabled: false`), but the policy requires it ({requirement})",
                silent.rule
            ),
        };
        findings
            .on(Subject::File(silent.file))
            .report(silent.span, message);
    }
}

/// `execve`/`execveat`.
fn types(types: &[String]) -> String {
    types
        .iter()
        .map(|t| format!("`{t}`"))
        .collect::<Vec<_>>()
        .join("/")
}
