use rampart_config::{Config, Severity, Tier};
use rampart_model::aws::edge::{DefaultAction, EffectiveRule, RuleAction, Statement};
use rampart_model::rampart_iac::Node;

use super::{acl_served, report, resource};
use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "WAF-004",
        name: "critical-geo-restriction",
        severity: Severity::High,
        summary: "Web ACL of a critical entry point does not restrict requests to the allowed countries",
        requirements: &["S-WAF-07", "S-PROF-GEO-CRIT"],
        docs: RuleDocs {
            what: "For every WAFv2 web ACL that protects a critical-tier entry point (a load balancer or CloudFront distribution tagged critical or routing to critical targets; or an ACL tagged critical itself), requires a rule that confines requests to the critical profile's `allowed-countries` (US, CA, GB, AU by default): a blocking rule on `not_statement { geo_match_statement { country_codes } }` (`NotStatement.Statement.GeoMatchStatement` in CloudFormation), or an allowing geo match with `default_action { block {} }`, whose countries are all in the profile. Reports a geo rule that allows countries outside the profile (at `country_codes`), an allowing geo rule under `default_action allow` (it restricts nothing), a geo rule that only counts, and, when no geo rule exists, the ACL itself. Geo matches inside other statements (`and_statement`, label matches) and rules or rule groups that cannot be read make the rule report nothing rather than a missing restriction. With an empty `allowed-countries`, the rule does not apply. Findings carry the critical tier of what the ACL protects, so they are Critical.",
            why: "Critical agents serve callers in a known set of countries; the policy blocks everything else at the edge (S-WAF-07, S-PROF-GEO-CRIT), which removes most automated attack traffic and narrows where stolen credentials can be used from. An allow-only geo rule is a common mistake: under `default_action allow`, requests from other countries simply fall through to the default and are allowed too.",
            fail: Example::terraform(
                r#"resource "aws_wafv2_web_acl" "critical" {
  name  = "critical-agents"
  scope = "REGIONAL"
  tags  = { classification = "critical" }

  default_action {
    allow {}
  }

  rule {
    name     = "geo"
    priority = 50

    action {
      allow {}
    }

    statement {
      geo_match_statement {
        country_codes = ["US", "CA", "GB", "AU"]
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "geo"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "critical-agents"
    sampled_requests_enabled   = true
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_wafv2_web_acl" "critical" {
  name  = "critical-agents"
  scope = "REGIONAL"
  tags  = { classification = "critical" }

  default_action {
    allow {}
  }

  rule {
    name     = "geo"
    priority = 50

    action {
      block {}
    }

    statement {
      not_statement {
        statement {
          geo_match_statement {
            country_codes = ["US", "CA", "GB", "AU"]
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "geo"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "critical-agents"
    sampled_requests_enabled   = true
  }
}
"#,
            ),
            fix: "Add a rule at priority 50, before the managed groups, with `action { block {} }` and `statement { not_statement { statement { geo_match_statement { country_codes = [\"US\", \"CA\", \"GB\", \"AU\"] } } } }` (add `forwarded_ip_config` behind a CDN). Change `allowed-countries` in `[tiers.critical]` of `rampart.toml` if the critical agents' callers are elsewhere.",
        },
    },
    check: Check::Project(check),
    inactive_when: Some(inactive),
};

fn inactive(config: &Config) -> Option<String> {
    config
        .tiers
        .profile(Tier::Critical)
        .allowed_countries
        .is_empty()
        .then(|| {
            "`tiers.critical.allowed-countries` is empty, so critical entry points need no geographic restriction"
                .to_owned()
        })
}

fn countries(node: &Node) -> Option<Vec<String>> {
    if node.contains_unknown() {
        return None;
    }
    Some(
        node.strings()
            .into_iter()
            .map(str::to_ascii_uppercase)
            .collect(),
    )
}

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let allowed: Vec<String> = ctx
        .config
        .tiers
        .profile(Tier::Critical)
        .allowed_countries
        .iter()
        .map(|c| c.as_str().to_ascii_uppercase())
        .collect();
    if allowed.is_empty() {
        return;
    }
    let edge = ctx.edge();
    for acl in edge.web_acls() {
        let Some(tier) = edge
            .web_acl_tier(acl.index)
            .filter(|t| t.tier == Tier::Critical)
        else {
            continue;
        };
        let Some((rules, unknown_group)) = acl.effective_rules() else {
            continue;
        };
        let Some(acl_resource) = resource(project, acl.index) else {
            continue;
        };
        let mut undecidable = unknown_group || acl.default_action.is_none();
        let mut reported = false;
        let mut restricted = false;
        // Every finding concerns the critical tier the ACL protects.
        let mut report_rule = |rule: &EffectiveRule<'_>, node: Option<&Node>, message: String| {
            if let Some(source) = resource(project, rule.rule.source) {
                report(
                    findings,
                    acl.index,
                    Some(tier.tier),
                    source,
                    node.or(Some(&rule.rule.node)),
                    message,
                );
            }
        };
        for rule in &rules {
            let (node, negated) = match &rule.rule.statement {
                Statement::Geo { countries, negated } => (countries, *negated),
                Statement::Other { geo: true, .. } => {
                    undecidable = true;
                    continue;
                }
                _ => continue,
            };
            let Some(codes) = countries(node) else {
                undecidable = true;
                continue;
            };
            let outside: Vec<&String> = codes.iter().filter(|c| !allowed.contains(c)).collect();
            let confines = match (negated, rule.action) {
                (true, a) if a.stops() => true,
                (false, RuleAction::Allow) => acl.default_action == Some(DefaultAction::Block),
                _ => false,
            };
            let label = rule.rule.label();
            let acl_name = &acl_resource.address;
            if confines && outside.is_empty() {
                restricted = true;
            } else if confines {
                reported = true;
                report_rule(
                    rule,
                    Some(node),
                    format!(
                        "geo {label} of web ACL `{acl_name}` lets requests in from {}, outside the critical tier's allowed countries ({})",
                        list(&outside),
                        allowed.join(", ")
                    ),
                );
            } else if !negated && rule.action == RuleAction::Allow {
                reported = true;
                report_rule(
                    rule,
                    rule.rule.action_node.as_ref(),
                    format!(
                        "geo {label} of web ACL `{acl_name}` allows {} but the ACL's default action is allow: requests from every other country are allowed too, so it restricts nothing",
                        codes.join(", ")
                    ),
                );
            } else if matches!(rule.action, RuleAction::Count) {
                reported = true;
                report_rule(
                    rule,
                    rule.entry.action_node.as_ref(),
                    format!(
                        "geo {label} of web ACL `{acl_name}` only counts: it blocks no country"
                    ),
                );
            } else if rule.action == RuleAction::Unknown {
                undecidable = true;
            }
        }
        if restricted || reported || undecidable {
            continue;
        }
        report(
            findings,
            acl.index,
            Some(tier.tier),
            acl_resource,
            None,
            format!(
                "web ACL `{}` {} but has no rule blocking requests from outside {} (S-WAF-07)",
                acl_resource.address,
                acl_served(project, &tier),
                allowed.join(", ")
            ),
        );
    }
}

fn list(codes: &[&String]) -> String {
    codes
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
