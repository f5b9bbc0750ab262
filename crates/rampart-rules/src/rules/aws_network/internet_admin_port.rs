use rampart_config::Severity;
use rampart_model::aws::security_groups::{Direction, PeerKind};

use super::{admin_exposure, report_rule, rule_name, through_list};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NET-006",
        name: "internet-admin-port",
        severity: Severity::Critical,
        summary: "Security group opens an administration or data port, or all traffic, to the internet",
        requirements: &["G-NET-03", "P-IIIA1-b"],
        docs: RuleDocs {
            what: "Reports a security-group ingress rule whose source is the whole internet (`0.0.0.0/0` or `::/0`) and that admits every protocol (`protocol = \"-1\"` / `all`, `IpProtocol: -1`) or TCP ports that include an administration or data port: 22 (SSH), 3389 (RDP), 5432 (PostgreSQL), 3306 (MySQL), 6379 (Redis), 9200 (Elasticsearch/OpenSearch), 2379-2380 (etcd) or 10250 (kubelet). A range that covers one of them counts (`from_port = 0`, `to_port = 65535`). \
Every spelling is read: inline `ingress` blocks of `aws_security_group` and `aws_default_security_group`, `aws_security_group_rule` with `type = \"ingress\"`, `aws_vpc_security_group_ingress_rule`, and CloudFormation's `SecurityGroupIngress` of `AWS::EC2::SecurityGroup` and standalone `AWS::EC2::SecurityGroupIngress`. A finding carries the tier of the rule's group, the most critical of the group's own tag and the tiers of the resources it is attached to, whether the rule is inline or a resource of its own. \
The finding points at the CIDR where it was written (the rule, a variable default, a `tfvars` line, a module input). A managed prefix list declared in the scan counts as its CIDRs: `prefix_list_ids` / `prefix_list_id` / `SourcePrefixListId` naming an `aws_ec2_managed_prefix_list` (its `entry` blocks and any `aws_ec2_managed_prefix_list_entry` resources) or an `AWS::EC2::PrefixList` (its `Entries`); the finding then points at the rule's reference to the list, since the list may serve other rules rightly, and names the entry. AWS-managed prefix lists (`pl-…` ids, data sources) are not judged. A CIDR, protocol or port known only after apply is not reported (`--show-unknown` lists it).",
            why: "An administration port open to the internet is scanned within minutes of creation and brute-forced for as long as it stays open; a database, cache, search cluster, etcd or kubelet reachable from anywhere trusts its own authentication alone. The policy requires secure network access controls (G-NET-03) and forbids direct manual access to production servers (P-IIIA1-b): administration goes through SSM Session Manager or a bastion behind identity-aware access, never a port on the internet.",
            fail: Example::terraform(
                r#"resource "aws_security_group" "bastion" {
  name   = "bastion"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    description = "SSH"
    protocol    = "tcp"
    from_port   = 22
    to_port     = 22
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_security_group" "bastion" {
  name   = "bastion"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    description = "SSH from the VPN only"
    protocol    = "tcp"
    from_port   = 22
    to_port     = 22
    cidr_blocks = ["198.51.100.0/24"]
  }
}
"#,
            ),
            fix: "Remove the rule. Reach instances through AWS Systems Manager Session Manager (no inbound port at all) or, where a port is unavoidable, admit only the security group of a bastion or the address range of the corporate VPN. Databases, caches and cluster components admit only the security groups of their clients.",
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
        .filter(|r| r.direction == Direction::Ingress)
    {
        let Some(what) = admin_exposure(rule) else {
            continue;
        };
        for peer in rule.peers.iter().filter(|p| p.is_internet()) {
            let PeerKind::Cidr(net) = peer.kind else {
                continue;
            };
            report_rule(
                findings,
                project,
                groups,
                rule,
                peer.node.or(rule.node),
                format!(
                    "{} admits {what} from {net}{}, the whole internet",
                    rule_name(project, rule),
                    through_list(project, peer)
                ),
            );
        }
    }
}
