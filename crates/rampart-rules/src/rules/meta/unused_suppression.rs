use rampart_config::Severity;

use crate::engine::{Check, Example, Rule, RuleDocs, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "META-002",
        name: "unused-suppression",
        severity: Severity::Low,
        summary: "Suppression comment suppresses nothing",
        requirements: &["G-CFG-04"],
        docs: RuleDocs {
            what: "Reports every rule named in a `# rampart:ignore` comment that suppressed no finding of that rule on the comment's line (or, for a comment on a line of its own, on the next line). Rule ids that do not exist are reported too. Rules that were not run (deselected with `--select`/`--ignore`) are not reported as unused.",
            why: "A stale suppression is an exception nobody needs any more; left in place it will silently hide the next real finding on that line.",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: registry.example.com/agent:1.4.2
      securityContext:
        privileged: false # rampart:ignore PSS-001 -- legacy sensor
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: registry.example.com/agent:1.4.2
      securityContext:
        privileged: false
"#,
            ),
            fix: "Delete the comment, or the rule id that no longer applies.",
        },
    },
    check: Check::Filter,
    inactive_when: None,
};
