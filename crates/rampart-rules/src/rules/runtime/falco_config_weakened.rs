use rampart_config::Severity;
use rampart_model::Subject;

use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "FALCO-004",
        name: "falco-config-weakened",
        severity: Severity::Low,
        summary: "Falco configuration turns off rule reloading, metrics or JSON alerts",
        requirements: &["S-FALCO-08", "S-FALCO-09", "S-FALCO-06", "S-FALCO-07"],
        docs: RuleDocs {
            what: "Reports, in Falco's configuration (`falco.yaml`, `falco-*.yaml`), each of these settings written as false, at the value: `watch_config_files` (Falco no longer reloads changed rules and configuration — the policy's \"reload rules every 5 minutes\", which Falco has no option for, S-FALCO-08), `metrics.enabled` (Falco's own health — dropped events, rule counters, resource use — is not reported, S-FALCO-09) and `json_output` (alerts become one line of text: the receiver can no longer route them per agent on their output fields and tags, S-FALCO-06, S-FALCO-07). Settings the file does not write are not judged: Falco's defaults (`watch_config_files` on, metrics and JSON off) may be overridden elsewhere (Helm values, `config_files`).",
            why: "These settings do not stop detection, but they weaken the service around it: a fixed rule that Falco never picks up leaves the old gap open until a restart; without metrics nobody notices that Falco drops events under load (and misses attacks); without JSON, alerts cannot be routed to the owner of the agent that raised them.",
            fail: Example::falco_config(
                r#"watch_config_files: false
json_output: true
metrics:
  enabled: true
  interval: 15m
"#,
            ),
            pass: Example::falco_config(
                r#"watch_config_files: true
json_output: true
metrics:
  enabled: true
  interval: 15m
"#,
            ),
            fix: "Set `watch_config_files: true`, `json_output: true` (with `json_include_output_property` and `json_include_tags_property`), and `metrics: {enabled: true, interval: 15m}` (Falco's metrics then go to the outputs with `output_rule: true`, or to Prometheus through the web server).",
        },
    },
    check: Check::Manifests(check),
    inactive_when: None,
};

/// The settings judged, and what is lost when each is false.
const SETTINGS: &[(&[&str], &str)] = &[
    (
        &["watch_config_files"],
        "Falco's `watch_config_files` is false: changed rules and configuration are not reloaded until Falco restarts",
    ),
    (
        &["metrics", "enabled"],
        "Falco's metrics are disabled: dropped events and Falco's own health go unreported",
    ),
    (
        &["json_output"],
        "Falco's `json_output` is false: alerts are plain text, which the alert receiver cannot route per agent on their fields and tags",
    ),
];

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    for config in &ctx.project.falco.configs {
        for (path, message) in SETTINGS {
            if let Some((false, node)) = config.switch(path) {
                findings
                    .on(Subject::File(config.file))
                    .report(node.span, *message);
            }
        }
    }
}
