use rampart_config::Severity;
use rampart_model::Subject;

use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "FALCO-001",
        name: "falco-rules-do-not-load",
        severity: Severity::High,
        summary: "Falco rules file that Falco refuses to load",
        requirements: &[
            "S-FALCO-01",
            "S-FALCO-02",
            "S-FALCO-03",
            "S-FALCO-04",
            "S-FALCO-05",
        ],
        docs: RuleDocs {
            what: "Reports what `falco --validate` rejects in a Falco rules file (a YAML sequence of `rule`, `macro` and `list` items), each where it is written: a rule definition without `desc`, `condition`, `output` or `priority` (rules that only `append`, `override` or switch `enabled` need none of them; a rule with only `enabled` needs that), a `priority` that is not one of EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL (INFO) or DEBUG, a macro without `condition`, a list whose `items` is not a sequence of values, a condition that does not parse (unbalanced parentheses among other things, checked with libsinsp's grammar), and a macro a condition names that neither the scanned rules files nor upstream `falco_rules.yaml` define (rampart knows upstream's macro and list names; `inbound` is not one of them, it lives in the sandbox file Falco does not load by default). A list name compared with a numeric field (`fd.sport in (expected_ports)`) that nobody defines is reported too: Falco reads it as a value, which is no port. Names are resolved across all scanned rules files together, as Falco loads them. Not checked: field names (Falco and its plugins have hundreds), and names in rules of plugin sources (`source: k8s_audit`, …), whose macros come from the plugins' own rules files.",
            why: "One error and Falco loads none of the file: every detection the policy requires of runtime monitoring (shell in a container S-FALCO-01, sensitive file read S-FALCO-02, unexpected network activity S-FALCO-03, privilege escalation S-FALCO-04, unexpected process S-FALCO-05) is silently gone, or Falco does not start at all. The policy's own seed rules had exactly these defects (C-19): no `desc`, and the macros `inbound_connection`, `setuid_or_setgid`, `allowed_processes` and the list `expected_ports` defined nowhere.",
            fail: Example::falco_rules(
                r#"- rule: Detect unauthorized process execution
  condition: spawned_process and container and not allowed_processes
  output: Unexpected process (proc=%proc.name pod=%k8s.pod.name)
  priority: ERROR
"#,
            ),
            pass: Example::falco_rules(
                r#"- list: payments_allowed_binaries
  items: [payments-api]

- macro: allowed_processes
  condition: proc.name in (payments_allowed_binaries)

- rule: Detect unauthorized process execution
  desc: A process other than the agent's own was started in its container.
  condition: spawned_process and container and not allowed_processes
  output: Unexpected process (proc=%proc.name pod=%k8s.pod.name)
  priority: ERROR
"#,
            ),
            fix: "Give every rule its `desc`, `condition`, `output` and a valid `priority`; define every macro and list the rules name (prefix your own, such as `rampart_`, so that no upstream name is overridden), or use the upstream names that exist; balance the parentheses. Then run `falco --validate <upstream falco_rules.yaml> --validate <your file>` where Falco is installed. `rampart generate` writes a rules file that loads.",
        },
    },
    check: Check::Manifests(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    for error in ctx.project.falco.load_errors(&ctx.project.files) {
        findings
            .on(Subject::File(error.file))
            .report(error.span, error.problem.message());
    }
}
