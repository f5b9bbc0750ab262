use std::net::IpAddr;

use ipnet::IpNet;
use rampart_config::{Severity, Tier};
use rampart_model::aws::edge::{
    self, DefaultAction, EffectiveRule, Exposure, RuleAction, Statement,
};
use rampart_model::rampart_iac::Node;

use super::{name, report, resource};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "WAF-005",
        name: "ip-allowlist-bypass",
        severity: Severity::High,
        summary: "WAF IP allowlist lets callers skip the protective rules, or allows addresses outside the profile",
        requirements: &["S-WAF-08", "S-PROF-IP-CRIT", "P-II-ZT"],
        docs: RuleDocs {
            what: "Reports, in any WAFv2 web ACL: a rule that allows requests matching an IP set (`action { allow {} }` on `ip_set_reference_statement`) evaluated before a managed rule group, a rate limit or another blocking rule (an allow ends evaluation, so those addresses skip them all). For ACLs protecting a critical-tier entry point, where the profile has `allowed-ip-ranges` (10.0.0.0/8 and 172.16.0.0/12 by default): an allowlist (a blocking rule on `not_statement { ip_set_reference_statement }`, or an allowing IP-set rule under `default_action { block {} }`) whose IP set (`aws_wafv2_ip_set.addresses`, `AWS::WAFv2::IPSet.Addresses`) holds addresses outside those ranges; the C-08 contradiction, a private-only allowlist restricting an internet-facing entry point (internet clients never have private source addresses: it blocks every one of them); and an ACL that protects only internal critical load balancers with no allowlist at all. A critical internet-facing entry point without an allowlist is not reported: with the default private ranges the only compliant allowlist would be the C-08 contradiction. IP sets, rules or priorities rampart cannot read make it report nothing. Findings, those on an IP set included, are raised to Critical when the ACL protects a critical-tier entry point or is tagged critical.",
            why: "An IP allowlist is meant to narrow who may call an agent. Written as an allow rule ahead of the other rules it does the opposite: every matching address bypasses the managed rule groups and the rate limit, and everyone else is not restricted at all. Granting trust because of where a request comes from is what the policy's zero-trust principle rules out (P-II-ZT); for critical agents the allowlist must restrict, and only to the profile's ranges (S-WAF-08, S-PROF-IP-CRIT).",
            fail: Example::terraform(
                r#"resource "aws_wafv2_ip_set" "office" {
  name               = "office"
  scope              = "REGIONAL"
  ip_address_version = "IPV4"
  addresses          = ["10.0.0.0/8", "172.16.0.0/12"]
}

resource "aws_wafv2_web_acl" "agents" {
  name  = "agents"
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "office"
    priority = 25

    action {
      allow {}
    }

    statement {
      ip_set_reference_statement {
        arn = aws_wafv2_ip_set.office.arn
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "office"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "common"
    priority = 100

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        name        = "AWSManagedRulesCommonRuleSet"
        vendor_name = "AWS"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "common"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "agents"
    sampled_requests_enabled   = true
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_wafv2_ip_set" "office" {
  name               = "office"
  scope              = "REGIONAL"
  ip_address_version = "IPV4"
  addresses          = ["10.0.0.0/8", "172.16.0.0/12"]
}

resource "aws_wafv2_web_acl" "agents" {
  name  = "agents"
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "office-only"
    priority = 25

    action {
      block {}
    }

    statement {
      not_statement {
        statement {
          ip_set_reference_statement {
            arn = aws_wafv2_ip_set.office.arn
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "office-only"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "common"
    priority = 100

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        name        = "AWSManagedRulesCommonRuleSet"
        vendor_name = "AWS"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "common"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "agents"
    sampled_requests_enabled   = true
  }
}
"#,
            ),
            fix: "Make the allowlist restrict: block what is not in the set (`action { block {} }` with `not_statement { statement { ip_set_reference_statement { … } } }`) ahead of the other rules, or allow the set and set `default_action { block {} }`. Keep the set within the tier's `allowed-ip-ranges`. On an internet-facing critical entry point, list the callers' public ranges, or make the entry point internal (`internal = true`) if only private networks call it (C-08).",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

/// The networks of an IP set, when every address is known and valid.
fn networks(node: &Node) -> Option<Vec<(IpNet, &Node)>> {
    if node.contains_unknown() {
        return None;
    }
    node.items()
        .iter()
        .chain(node.as_str().map(|_| node))
        .map(|n| {
            let text = n.as_str()?.trim();
            let net = text
                .parse::<IpNet>()
                .ok()
                .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))?;
            Some((net.trunc(), n))
        })
        .collect()
}

fn is_private(net: &IpNet) -> bool {
    let ranges = [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    ];
    ranges
        .iter()
        .filter_map(|r| r.parse::<IpNet>().ok())
        .any(|r| r.contains(net))
}

/// Whether a rule protects: a managed or rule group that acts, or any rule
/// that blocks.
fn protects(rule: &EffectiveRule<'_>) -> bool {
    match &rule.rule.statement {
        Statement::ManagedGroup { .. } => rule.action == RuleAction::GroupRules,
        _ => rule.action.stops(),
    }
}

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let edge = ctx.edge();
    let profile: Vec<IpNet> = ctx
        .config
        .tiers
        .profile(Tier::Critical)
        .allowed_ip_ranges
        .iter()
        .map(|c| c.0)
        .collect();
    for acl in edge.web_acls() {
        let Some((rules, unknown_group)) = acl.effective_rules() else {
            continue;
        };
        let Some(acl_resource) = resource(project, acl.index) else {
            continue;
        };
        let internet_facing = super::internet_facing_protected(edge, acl.index);
        // The tier the ACL protects (else its own tag): every finding,
        // including one on an IP set it uses, concerns that tier.
        let served = edge.web_acl_tier(acl.index);
        let mut report_at = |subject: usize, at: usize, node: Option<&Node>, message: String| {
            if let Some(r) = resource(project, at) {
                report(findings, subject, served.map(|t| t.tier), r, node, message);
            }
        };
        // Allow rules ahead of the protective ones.
        for (i, rule) in rules.iter().enumerate() {
            let Statement::IpSet {
                negated: false,
                sets,
                ..
            } = &rule.rule.statement
            else {
                continue;
            };
            if rule.action != RuleAction::Allow {
                continue;
            }
            let Some(priority) = rule.priority() else {
                continue;
            };
            let skipped: Vec<String> = rules
                .iter()
                .skip(i + 1)
                .filter(|r| r.priority().is_some_and(|p| p > priority) && protects(r))
                .map(|r| r.rule.label())
                .collect();
            if skipped.is_empty() {
                continue;
            }
            let private_only = sets.as_ref().and_then(|sets| {
                let mut all = Vec::new();
                for &s in sets {
                    all.extend(networks(edge::ip_set_addresses(project, s)?)?);
                }
                Some(!all.is_empty() && all.iter().all(|(n, _)| is_private(n)))
            });
            let contradiction = match (private_only, internet_facing) {
                (Some(true), Some(entry)) => format!(
                    "; {} is internet-facing and internet clients never have these private source addresses, so the rule only lets internal callers bypass the WAF (C-08)",
                    name(project, entry)
                ),
                _ => String::new(),
            };
            report_at(
                acl.index,
                rule.rule.source,
                rule.rule.action_node.as_ref().or(Some(&rule.rule.node)),
                format!(
                    "{} of web ACL `{}` allows requests from an IP set outright, so they skip the rules evaluated after it ({}){contradiction}",
                    rule.rule.label(),
                    acl_resource.address,
                    skipped.join(", ")
                ),
            );
        }
        // The critical profile's allowlist.
        if profile.is_empty() {
            continue;
        }
        let Some(tier) = served.filter(|t| t.tier == Tier::Critical) else {
            continue;
        };
        let mut has_allowlist = false;
        let mut undecidable = unknown_group;
        for rule in &rules {
            let Statement::IpSet { negated, sets, .. } = &rule.rule.statement else {
                if matches!(rule.rule.statement, Statement::Other { ip_set: true, .. }) {
                    undecidable = true;
                }
                continue;
            };
            let restricts = match (negated, rule.action) {
                (true, a) => a.stops(),
                (false, RuleAction::Allow) => acl.default_action == Some(DefaultAction::Block),
                _ => false,
            };
            if !restricts {
                continue;
            }
            has_allowlist = true;
            let Some(sets) = sets else {
                continue;
            };
            let mut all_private = true;
            let mut known = true;
            for &set in sets {
                let Some(addresses) = edge::ip_set_addresses(project, set) else {
                    known = false;
                    continue;
                };
                let Some(nets) = networks(addresses) else {
                    known = false;
                    continue;
                };
                let outside: Vec<(IpNet, &Node)> = nets
                    .iter()
                    .filter(|(n, _)| !profile.iter().any(|p| p.contains(n)))
                    .copied()
                    .collect();
                all_private = all_private && nets.iter().all(|(n, _)| is_private(n));
                if let Some((_, first)) = outside.first() {
                    let shown: Vec<String> = outside.iter().map(|(n, _)| n.to_string()).collect();
                    let at = if addresses.items().is_empty() {
                        addresses
                    } else {
                        *first
                    };
                    report_at(
                        set,
                        set,
                        Some(at),
                        format!(
                            "IP set {} restricts the critical-tier web ACL `{}` but allows {}, outside the critical profile's `allowed-ip-ranges` ({})",
                            name(project, set),
                            acl_resource.address,
                            shown.join(", "),
                            profile
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            }
            if let (true, true, Some(entry)) = (known, all_private, internet_facing) {
                report_at(
                    acl.index,
                    rule.rule.source,
                    rule.rule.action_node.as_ref().or(Some(&rule.rule.node)),
                    format!(
                        "{} of web ACL `{}` lets only private source addresses reach {}, which is internet-facing: internet clients never have private addresses, so it blocks every one of them (and makes any geo rule moot). This is contradiction C-08: make the entry point internal or list the callers' public ranges",
                        rule.rule.label(),
                        acl_resource.address,
                        name(project, entry)
                    ),
                );
            }
        }
        if has_allowlist || undecidable {
            continue;
        }
        // Only internal critical load balancers can use the private allowlist.
        let (protected, unknown) = edge.protected_by(acl.index);
        let all_internal = !protected.is_empty()
            && protected.iter().all(|&i| {
                edge::load_balancer(project, i)
                    .is_some_and(|lb| lb.exposure == Some(Exposure::Internal))
            });
        if all_internal && !unknown {
            report_at(
                acl.index,
                acl.index,
                None,
                format!(
                    "web ACL `{}` {} but has no IP allowlist restricting callers to the critical profile's `allowed-ip-ranges` (S-WAF-08)",
                    acl_resource.address,
                    super::acl_served(project, &tier)
                ),
            );
        }
    }
}
