use rampart_config::Severity;

use crate::engine::{Check, Example, Rule, RuleDocs, RuleMeta};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "META-001",
        name: "suppression-without-reason",
        severity: Severity::Medium,
        summary: "Suppression comment gives no reason",
        requirements: &["G-CFG-04", "P-IIB2-b"],
        docs: RuleDocs {
            what: "Reports every `# rampart:ignore` comment that does not end in `-- <reason>`, or that names no rule. Such a comment suppresses nothing: the findings it meant to hide are still reported.",
            why: "A suppression is an exception to the policy. An auditor, and the next engineer, must be able to read why it was granted; a bare ignore comment turns a finding into a silent gap.",
            fail: Example::yaml(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: node-agent
spec:
  containers:
    - name: agent
      image: registry.example.com/agent:1.4.2
      securityContext:
        privileged: true # rampart:ignore PSS-001
"#,
            ),
            pass: Example::yaml(
                r#"apiVersion: v1
kind: Pod
metadata:
  name: node-agent
spec:
  containers:
    - name: agent
      image: registry.example.com/agent:1.4.2
      securityContext:
        privileged: true # rampart:ignore PSS-001 -- eBPF sensor needs host access; approved in SEC-142
"#,
            ),
            fix: "Write the reason after ` -- `: `# rampart:ignore PSS-001 -- <why this exception is acceptable>`. A ticket or approval reference is a good reason.",
        },
    },
    check: Check::Filter,
    inactive_when: None,
};
