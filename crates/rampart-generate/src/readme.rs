//! The README of the output: what was generated, per tier and per agent, and every
//! place where the baseline deviates from seed 003 and why.

use std::fmt::Write as _;

use rampart_config::{DdosProtection, NetworkFirewall, SecurityMonitoring, Tier};

use crate::layout::{SubnetRole, namespace};
use crate::{Context, Deviation, GeneratedFile, Target, admission, falco, kubernetes, terraform};

/// The deviations of each part, in the order the README lists them.
fn deviations(target: Target) -> Vec<&'static Deviation> {
    match target {
        Target::Terraform => terraform::DEVIATIONS
            .iter()
            .flat_map(|d| d.iter())
            .collect(),
        Target::Kubernetes => kubernetes::DEVIATIONS.iter().collect(),
        Target::Falco => falco::DEVIATIONS.iter().collect(),
        Target::Admission => admission::DEVIATIONS.iter().collect(),
    }
}

pub(crate) fn render(context: &Context<'_>) -> GeneratedFile {
    let inventory = context.inventory;
    let platform = &inventory.platform;
    let mut out = String::new();
    out.push_str(&context.header("<!--").replace('\n', " -->\n"));
    let _ = writeln!(
        out,
        "\n# Secure baseline for `{}` ({})\n",
        platform.name, platform.environment
    );
    let counts = inventory.counts();
    let _ = writeln!(
        out,
        "Rendered from the agent inventory: {} agents ({}), region `{}`, zones {}, VPC `{}`.\n",
        inventory.agents.len(),
        Tier::ALL
            .iter()
            .map(|t| format!("{} {t}", counts.get(t).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(", "),
        platform.region,
        platform
            .availability_zones
            .iter()
            .map(|z| format!("`{z}`"))
            .collect::<Vec<_>>()
            .join(", "),
        platform.vpc_cidr,
    );
    out.push_str(
        "The baseline is built to pass `rampart scan` with the same `rampart.toml`; scan it after every change.\n\n",
    );

    // The README describes the whole baseline whatever `--target` selected, so that
    // generating or checking one part never rewrites it.
    out.push_str("## Parts\n\n");
    for target in Target::ALL {
        let what = match target {
            Target::Terraform => {
                "the AWS side: network, Network Firewalls, security groups, load balancers with WAF and Shield, EKS and node groups, flow logs, GuardDuty and the alert route; `terraform.tfvars` holds the inventory's values"
            }
            Target::Kubernetes => {
                "namespaces with Pod Security labels, default-deny and per-agent NetworkPolicies, quotas and limits, ServiceAccounts"
            }
            Target::Falco => "Falco rules, Falco configuration and Helm values",
            Target::Admission => {
                "ValidatingAdmissionPolicies and bindings enforcing each tier's Pod Security level and placement"
            }
        };
        let _ = writeln!(out, "- `{target}/`: {what}");
    }
    out.push_str("\n## Tiers\n\nThe controls of each tier come from its profile in `rampart.toml` (defaults: seed 003).\n\n| Tier | Namespace (Pod Security) | Agents | Subnets | Entry point | WAF rate limit | Network Firewall | DDoS protection | Flow logs kept | Monitoring |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for tier in Tier::ALL {
        let profile = context.config.tiers.profile(tier);
        let subnets: Vec<String> = context
            .layout
            .subnets(SubnetRole::Agents(tier))
            .map(|s| format!("`{}` {}", s.name, s.cidr))
            .collect();
        let entry = match context.layout.entry_role(tier) {
            SubnetRole::CriticalIngress => "internal load balancer",
            _ => "internet-facing load balancer",
        };
        let retention = match profile.flow_logs_retention_days.effective() {
            0 => "forever".to_owned(),
            days if days != profile.flow_logs_retention_days.0 => format!(
                "{days} days (profile {}, raised to the policy floor, C-11)",
                profile.flow_logs_retention_days.0
            ),
            days => format!("{days} days"),
        };
        let _ = writeln!(
            out,
            "| {tier} | `{}` ({}) | {} | {} | {entry} | {}/min per client and agent | {} | {} | {retention} | {} |",
            namespace(tier),
            profile.pod_security,
            counts.get(&tier).copied().unwrap_or(0),
            subnets.join(", "),
            profile.rate_limit_per_minute,
            match profile.network_firewall {
                NetworkFirewall::StatefulWithIds => "stateful with IDS",
                NetworkFirewall::StatefulBasic => "stateful",
                NetworkFirewall::Stateless => "stateless",
            },
            match profile.ddos_protection {
                DdosProtection::ShieldAdvanced => "Shield Advanced",
                DdosProtection::ShieldStandard => "Shield Standard (provided by AWS)",
            },
            match profile.security_monitoring {
                SecurityMonitoring::RealTime => "real time",
                SecurityMonitoring::Hourly => "hourly",
                SecurityMonitoring::Daily => "daily",
            },
        );
    }

    out.push_str("\n## Agents\n\nPer agent: a target group and a listener rule on its tier's load balancer (path `/<agent>/*`; host `<agent>.*` for gRPC agents, whose paths are fixed by their service definitions), security-group rules for exactly its flows, a NetworkPolicy `allow-<agent>`, a ServiceAccount `<agent>` without a token, and, for critical agents, a Falco allowlist of its processes. The WAF rate limit applies per client to the tier's entry point (AWS allows at most 10 rate-based rules per web ACL).\n\n| Agent | Tier | Port | Reaches | Login path (WAF ATP) | Allowed processes | RTO / RPO |\n|---|---|---|---|---|---|---|\n");
    for agent in &inventory.agents {
        let mut reaches = Vec::new();
        if agent.reaches.database {
            reaches.push(format!("database :{}", platform.database_port));
        }
        if agent.reaches.external_https {
            reaches.push("internet :443".to_owned());
        }
        for target in &agent.reaches.agents {
            reaches.push(format!("`{target}`"));
        }
        let processes = if agent.processes.is_empty() {
            "–".to_owned()
        } else {
            agent
                .processes
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {}/{} | {} | {} | {processes} | {} / {} |",
            agent.id,
            agent.classification,
            agent.port,
            agent.protocol,
            if reaches.is_empty() {
                "nothing".to_owned()
            } else {
                reaches.join(", ")
            },
            agent
                .login_path
                .as_deref()
                .map_or_else(|| "–".to_owned(), |p| format!("`{p}`")),
            agent.rto.as_deref().unwrap_or("–"),
            agent.rpo.as_deref().unwrap_or("–"),
        );
    }

    out.push_str("\n## Deviations from seed 003\n\nSeed 003 cannot be deployed as written (see `requirements.md` §4). Where it is wrong or impossible, the baseline does the following instead.\n");
    for target in Target::ALL {
        let list = deviations(target);
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n### {target}\n");
        for deviation in list {
            // Modules write their sentences with or without a final stop; print them alike.
            let sentence = |text: &str| text.trim().trim_end_matches('.').to_owned();
            let _ = writeln!(
                out,
                "- **Seed:** {}.  \n  **Generated:** {}.  \n  **Why:** {} ({}).",
                sentence(deviation.seed),
                sentence(deviation.generated),
                sentence(deviation.why),
                deviation.refs.join(", ")
            );
        }
    }
    GeneratedFile {
        path: "README.md".to_owned(),
        contents: out,
    }
}
