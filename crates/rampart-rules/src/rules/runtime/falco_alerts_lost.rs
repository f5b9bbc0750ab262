use rampart_config::Severity;
use rampart_model::Subject;
use rampart_model::falco::FalcoConfig;
use rampart_yaml::Node;

use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "FALCO-003",
        name: "falco-alerts-lost",
        severity: Severity::Medium,
        summary: "Falco configuration that does not deliver alerts securely",
        requirements: &["S-FALCO-06", "S-FALCO-07"],
        docs: RuleDocs {
            what: "Reports, in Falco's configuration (`falco.yaml`, `falco-*.yaml`), where alerts stop reaching the people who must act on them: `http_output.enabled: false` (the webhook the policy requires, S-FALCO-06); an `http_output.url` that is not `https://` (S-FALCO-07; `http://` to the node itself — `localhost`, `127.0.0.1`, `[::1]`, a falcosidekick sidecar — never crosses the network and is accepted); `http_output.insecure: true`, which turns off the verification of the webhook's certificate; and a configuration in which no output channel is left (`stdout_output`, `syslog_output`, `file_output`, `http_output`, `program_output`, `grpc_output` all disabled). Each is reported at the value. Only settings the file writes are judged, because a configuration file often overrides only some of Falco's settings (the Helm chart or `config_files` may set the rest) — except that `stdout_output` and `syslog_output`, when not written, count as enabled, as they are by default.",
            why: "Falco detects on every node, but a detection nobody receives is no detection: incidents are raised from the alerts the webhook delivers to the security team (S-FALCO-06). Sent over plain HTTP or without certificate verification, alerts — with the command lines, users and pods they name — can be read or suppressed on the way (S-FALCO-07).",
            fail: Example::falco_config(
                r#"json_output: true
stdout_output:
  enabled: true
http_output:
  enabled: true
  url: http://security-alerts.example.com/falco
"#,
            ),
            pass: Example::falco_config(
                r#"json_output: true
stdout_output:
  enabled: true
http_output:
  enabled: true
  url: https://security-alerts.example.com/falco
  insecure: false
"#,
            ),
            fix: "Enable `http_output` with the `https://` URL of the alert webhook (from configuration, not a literal shared by every environment), keep `insecure: false` and give Falco the CA of the receiver with `ca_cert`/`ca_path` if it is private; keep at least `stdout_output` enabled so the node's logs hold the alerts too. `rampart generate` writes such a configuration.",
        },
    },
    check: Check::Manifests(check),
    inactive_when: None,
};

/// Output channels and whether each is on when not written.
const CHANNELS: &[(&str, bool)] = &[
    ("stdout_output", true),
    ("syslog_output", true),
    ("file_output", false),
    ("http_output", false),
    ("program_output", false),
    ("grpc_output", false),
];

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    for config in &ctx.project.falco.configs {
        let mut sink = findings.on(Subject::File(config.file));
        let http = config.switch(&["http_output", "enabled"]);
        if let Some((false, node)) = http {
            sink.report(
                node.span,
                "Falco's `http_output` is disabled: alerts are not sent to the alert webhook the policy requires",
            );
        }
        if http.is_some_and(|(enabled, _)| enabled) {
            if let Some(url) = config.get(&["http_output", "url"])
                && let Some(text) = url.as_str()
                && !is_secure(text)
            {
                sink.report(
                    url.span,
                    format!(
                        "Falco sends alerts to `{text}`, not over `https://`: anyone on the network path can read or drop them"
                    ),
                );
            }
            if let Some((true, node)) = config.switch(&["http_output", "insecure"]) {
                sink.report(
                    node.span,
                    "Falco's `http_output.insecure` is true: the webhook's certificate is not verified, so alerts can go to an impostor",
                );
            }
        }
        if let Some(node) = every_channel_disabled(config) {
            sink.report(
                node.span,
                "every Falco output channel is disabled: Falco detects, but no alert leaves the node",
            );
        }
    }
}

/// The `enabled: false` of the first channel that was on by default, when no
/// channel is left enabled.
fn every_channel_disabled(config: &FalcoConfig) -> Option<&Node> {
    let mut first_off = None;
    for (channel, default) in CHANNELS {
        match config.switch(&[channel, "enabled"]) {
            Some((true, _)) => return None,
            None if *default => return None,
            Some((false, node)) if *default => {
                first_off.get_or_insert(node);
            }
            _ => {}
        }
    }
    first_off
}

/// `https://…`, or plain HTTP to the node itself.
fn is_secure(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("https://") {
        return true;
    }
    let Some(rest) = lower.strip_prefix("http://") else {
        // Not a URL rampart can judge (unix sockets, templates).
        return true;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.split(']')
            .next()
            .map_or(host, |h| h.trim_start_matches('['))
    } else {
        host.split(':').next().unwrap_or(host)
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_the_node_itself_is_secure() {
        assert!(is_secure("https://alerts.example.com/falco"));
        assert!(is_secure("HTTPS://alerts.example.com"));
        assert!(is_secure("http://localhost:2801/"));
        assert!(is_secure("http://127.0.0.1:2801"));
        assert!(is_secure("http://[::1]:2801/x"));
        assert!(!is_secure("http://alerts.example.com/falco"));
        assert!(!is_secure("http://falco-falcosidekick:2801"));
        assert!(!is_secure("http://localhost.evil.com/"));
        assert!(!is_secure("http://127.0.0.1@evil.com/"));
        assert!(!is_secure("http://127.evil.com/"));
    }
}
