use rampart_config::{SecurityMonitoring, Severity, Tier};
use rampart_model::aws::logging::{
    DETECTOR_TYPES, EKS_CLUSTER_TYPES, RUNTIME_MONITORING_FEATURES, Route,
    detector_feature_enabled, guardduty_findings_routed, scheduled_review, scope, scope_declares,
    scope_tiers,
};

use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "LOG-007",
        name: "guardduty-monitoring-incomplete",
        severity: Severity::High,
        summary: "GuardDuty is disabled or does not meet the tier's security monitoring",
        requirements: &[
            "G-SEC-05",
            "G-NET-05",
            "S-PROF-MON-CRIT",
            "S-PROF-MON-HIGH",
            "S-PROF-MON-STD",
        ],
        docs: RuleDocs {
            what: "Reports a GuardDuty detector (Terraform `aws_guardduty_detector`, CloudFormation `AWS::GuardDuty::Detector`) that is disabled (`enable = false`, `Enable: false`), and an enabled detector that falls short of the security monitoring its tiers require. The tiers are those of the resources in the detector's Terraform root, template or plan, and the detector's own tag; the strictest `security-monitoring` of their profiles applies. `real-time` (critical by default) requires `finding_publishing_frequency = \"FIFTEEN_MINUTES\"` (AWS's default is `SIX_HOURS`), an enabled EventBridge rule matching `source` `aws.guardduty` with a target, and, where the same root declares an EKS cluster, the `RUNTIME_MONITORING` (or `EKS_RUNTIME_MONITORING`) feature enabled (`aws_guardduty_detector_feature`, `Features`). `hourly` (high) requires `FIFTEEN_MINUTES` or `ONE_HOUR` and the routed EventBridge rule, unless an enabled scheduled EventBridge rule with a target runs at least hourly (a review job). `daily` (standard) requires the detector to be on. The EventBridge rule may be anywhere in the scanned files (a security-tooling root counts); its targets are `aws_cloudwatch_event_target`s or CloudFormation `Targets`. A project without a detector is not reported: detectors are often enabled for every account by the organization's delegated GuardDuty administrator. A detector whose monitoring depends on the resources of another root can be given the tier with the `classification` tag. Values known only after apply, and `cron(…)` schedules, are not judged.",
            why: "GuardDuty is the managed detector of compromised credentials, crypto-mining, command-and-control traffic and, with runtime monitoring, of malicious processes in the agents' pods (G-SEC-05, G-NET-05). A finding helps only if someone learns about it in time: GuardDuty sends new findings to EventBridge within minutes, and the publishing frequency governs how soon updates of an ongoing finding follow; with no EventBridge rule and target nothing pages anyone. The critical tier's `real-time` monitoring (S-PROF-MON-CRIT) is defined by the requirements catalogue as exactly these settings.",
            fail: Example::terraform(
                r#"resource "aws_guardduty_detector" "main" {
  enable = false
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_guardduty_detector" "main" {
  enable                       = true
  finding_publishing_frequency = "FIFTEEN_MINUTES"
}
"#,
            ),
            fix: "Set `enable = true`. For roots with critical resources, set `finding_publishing_frequency = \"FIFTEEN_MINUTES\"`, add an `aws_cloudwatch_event_rule` with `event_pattern = jsonencode({ source = [\"aws.guardduty\"], \"detail-type\" = [\"GuardDuty Finding\"] })` and an `aws_cloudwatch_event_target` that pages (SNS to the on-call, a Lambda), and enable `RUNTIME_MONITORING` with `EKS_ADDON_MANAGEMENT` through `aws_guardduty_detector_feature` when the root runs EKS.",
        },
    },
    check: Check::Resource(DETECTOR_TYPES, check),
    inactive_when: None,
};

fn level_name(level: SecurityMonitoring) -> &'static str {
    match level {
        SecurityMonitoring::RealTime => "real-time",
        SecurityMonitoring::Hourly => "hourly",
        SecurityMonitoring::Daily => "daily",
    }
}

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !super::is_managed(resource) {
        return;
    }
    let address = &resource.address;
    let enable = resource.attr("enable", "Enable").filter(|n| !n.is_null());
    match enable.map(|n| (n, n.as_bool())) {
        Some((node, Some(false))) => {
            sink.report_resource(
                resource,
                Some(node),
                format!(
                    "GuardDuty detector `{address}` is disabled: threats to the account and its agents go undetected"
                ),
            );
            return;
        }
        Some((_, None)) => return,
        _ => {}
    }
    let project = ctx.project;
    let here = scope(project, resource.index);
    let mut tiers = scope_tiers(project, here);
    tiers.extend(resource.tier);
    let Some((level, tier)) = tiers
        .into_iter()
        .map(|t: Tier| (ctx.config.tiers.profile(t).security_monitoring, t))
        .max()
    else {
        return;
    };
    let needs = format!(
        "the {tier} tier's `{}` security monitoring",
        level_name(level)
    );
    let frequencies: &[&str] = match level {
        SecurityMonitoring::Daily => return,
        SecurityMonitoring::Hourly => {
            if scheduled_review(project, 60) != Route::NotRouted {
                return;
            }
            &["FIFTEEN_MINUTES", "ONE_HOUR"]
        }
        SecurityMonitoring::RealTime => &["FIFTEEN_MINUTES"],
    };
    let frequency = resource
        .attr("finding_publishing_frequency", "FindingPublishingFrequency")
        .filter(|n| !n.is_null());
    let shown = frequencies
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(" or ");
    match frequency {
        None => sink.report_resource(
            resource,
            None,
            format!(
                "GuardDuty detector `{address}` publishes finding updates every six hours (the default); {needs} requires {shown}"
            ),
        ),
        Some(node) => {
            if let Some(value) = node.as_str()
                && !frequencies.contains(&value)
            {
                sink.report_resource(
                    resource,
                    Some(node),
                    format!(
                        "GuardDuty detector `{address}` publishes finding updates `{value}`; {needs} requires {shown}"
                    ),
                );
            }
        }
    }
    if guardduty_findings_routed(project) == Route::NotRouted {
        sink.report_resource(
            resource,
            None,
            format!(
                "no enabled EventBridge rule with a target receives GuardDuty findings (`source` `aws.guardduty`), so nobody is alerted of what detector `{address}` finds; {needs} requires one"
            ),
        );
    }
    if level == SecurityMonitoring::RealTime
        && scope_declares(project, here, EKS_CLUSTER_TYPES)
        && detector_feature_enabled(project, resource.index, RUNTIME_MONITORING_FEATURES)
            == Some(false)
    {
        sink.report_resource(
            resource,
            None,
            format!(
                "GuardDuty detector `{address}` does not enable `RUNTIME_MONITORING` although this root runs EKS: {needs} includes runtime threat detection in the agents' pods"
            ),
        );
    }
}
