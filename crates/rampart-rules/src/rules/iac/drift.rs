use rampart_config::Severity;
use rampart_model::Subject;

use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "IAC-001",
        name: "changed-outside-terraform",
        severity: Severity::High,
        summary: "Resource was changed outside Terraform",
        requirements: &["G-ENV-07", "G-ENV-02", "P-III-0", "P-IIIA1-a"],
        docs: RuleDocs {
            what: "Reports every entry of a Terraform plan's `resource_drift` (`terraform show -json plan.out`): a resource whose real state differs from the state Terraform last recorded, because someone changed or deleted it by hand (console, CLI, another tool). Moves recorded by `moved` blocks are not drift and are not reported.",
            why: "The policy makes production immutable and code-driven: no manual changes (G-ENV-07, P-IIIA1-a), and every change through version-controlled pipelines. Drift is the evidence that this was bypassed; the next `apply` will silently undo the manual change or fail, and until then the code no longer describes what runs.",
            fail: Example::terraform_plan(
                r#"{"format_version": "1.2",
 "planned_values": {"root_module": {"resources": []}},
 "resource_drift": [
  {"address": "aws_security_group.lb", "mode": "managed", "type": "aws_security_group", "name": "lb",
   "change": {"actions": ["update"],
              "before": {"ingress": []},
              "after": {"ingress": [{"from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}]}}}
 ]}
"#,
            ),
            pass: Example::terraform_plan(
                r#"{"format_version": "1.2",
 "planned_values": {"root_module": {"resources": []}},
 "resource_drift": []}
"#,
            ),
            fix: "Find out who changed the resource and why (CloudTrail). Either bring the change into the code and apply it through the pipeline, or run the pipeline to restore the recorded state; then remove the access that allowed the manual change.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    for (i, drift) in ctx.project.drift.iter().enumerate() {
        let what = if drift.deleted() {
            "was deleted outside Terraform".to_owned()
        } else if drift.changed_attributes.is_empty() {
            "was changed outside Terraform".to_owned()
        } else {
            format!(
                "was changed outside Terraform ({})",
                drift
                    .changed_attributes
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        findings
            .on(Subject::Drift(i))
            .report(drift.span, format!("`{}` {what}", drift.address));
    }
}
