use rampart_config::Severity;
use rampart_model::aws::security_groups::{Direction, Owner};

use super::{group_name, report_rule, rule_name};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-009",
        name: "default-security-group-has-rules",
        severity: Severity::Medium,
        summary: "Default security group of a VPC allows traffic",
        requirements: &["G-NET-02"],
        docs: RuleDocs {
            what: "Reports every rule given to a VPC's default security group: the inline `ingress` and `egress` blocks of `aws_default_security_group`, and `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule` / `_egress_rule` or CloudFormation `AWS::EC2::SecurityGroupIngress` / `SecurityGroupEgress` attached to it (`aws_default_security_group.x.id`, `aws_vpc.x.default_security_group_id`, `!GetAtt Vpc.DefaultSecurityGroup`). \
An `aws_default_security_group` without rules is the remedy and passes: Terraform removes every rule of the default group when it adopts it. CloudFormation cannot manage the default group itself, so the rules AWS gives it (all traffic from itself, all egress) are not reported; rules a template adds to it are. A finding carries the tier of the group (its own tag, or the most critical tier of what it is attached to), whether the rule is inline or a resource of its own.",
            why: "Every instance, ENI, Lambda function or database created in the VPC without an explicit security group lands in the default group. Rules on it grant traffic to resources nobody decided to expose, and let them reach each other freely. The policy requires firewalls between network zones (G-NET-02): each resource carries a security group designed for it, and the default group denies everything.",
            fail: Example::terraform(
                r#"resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_default_security_group" "default" {
  vpc_id = aws_vpc.main.id

  ingress {
    protocol  = "-1"
    from_port = 0
    to_port   = 0
    self      = true
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

# Adopted with no rules: Terraform strips the default ones.
resource "aws_default_security_group" "default" {
  vpc_id = aws_vpc.main.id
}
"#,
            ),
            fix: "Remove the rules: declare `aws_default_security_group` with no `ingress` or `egress` block so that it denies everything, and give every resource its own security group with the rules it needs.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let groups = ctx.security_groups();
    for rule in groups
        .rules
        .iter()
        .filter(|r| groups.is_default_group(r.owner))
    {
        let direction = match rule.direction {
            Direction::Ingress => "an ingress",
            Direction::Egress => "an egress",
        };
        let (who, node) = if rule.owner == Owner::Group(rule.declared_in) {
            (group_name(project, rule.owner), rule.node)
        } else {
            // Reported at the rule resource's header.
            (rule_name(project, rule), None)
        };
        let traffic = rule.describe_traffic();
        report_rule(
            findings,
            project,
            groups,
            rule,
            node,
            format!(
                "{who} gives the VPC's default security group {direction} rule for {traffic}: every resource launched without a security group of its own gets it"
            ),
        );
    }
}
