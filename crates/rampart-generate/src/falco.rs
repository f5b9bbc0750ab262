//! Falco: seed 003's five runtime rules made loadable (C-19, S-FALCO-01..05), and the
//! settings of the Falco daemon that runs them (S-FALCO-06..09).
//!
//! Three files:
//! - `falco/rampart_rules.yaml`: the rules, with the lists and macros they need. Names
//!   that upstream `falco_rules.yaml` defines are used as they are (`spawned_process`,
//!   `container`, `shell_procs`, `open_read`, `sensitive_files`, `proc_name_exists`);
//!   everything the seed used that upstream does not define is defined here, under a
//!   `rampart_` prefix so that nothing upstream is overridden.
//! - `falco/falco.yaml`: the keys of Falco's configuration that the baseline sets.
//! - `falco/values.yaml`: the same settings and the rules file as values for the
//!   official `falcosecurity/falco` Helm chart, with tolerations for every tier's node
//!   taint so that Falco runs on every node (S-FALCO-01, S-NODE-09).
//!
//! Priorities: the three base rules of the seed apply to every tier and are written
//! once per tier namespace. Each gets the seed's priority, raised one step in the
//! namespaces of tiers whose profile demands real-time security monitoring (the
//! critical tier by default): a shell in a critical agent is an ERROR, a read of
//! `/etc/shadow` there is CRITICAL. The two rules the seed defines for critical agents
//! only keep the seed's priority (CRITICAL and ERROR), which already is the critical
//! tier's.
//!
//! Falco runs once per node, not per agent (C-19, S-FALCO-07): alerts go to the one
//! webhook of the inventory, and every output carries the namespace, pod, agent and
//! tier labels, on which the receiver routes per agent.

use std::collections::BTreeSet;

use rampart_config::{SecurityMonitoring, Tier};

use crate::inventory::Agent;
use crate::layout::{AGENT_LABEL, NODE_TIER_KEY, TIER_LABEL, namespace};
use crate::yaml::Yaml;
use crate::{Context, Deviation, GeneratedFile};

pub(crate) const DEVIATIONS: &[Deviation] = &[
    Deviation {
        seed: "Conditions use `inbound_connection`, `expected_ports`, `setuid_or_setgid` and `allowed_processes`",
        generated: "`rampart_rules.yaml` defines every list and macro its rules use that upstream `falco_rules.yaml` does not: `rampart_inbound_connection`, `rampart_expected_ports_<tier>`, `rampart_user_or_group_change`, `rampart_<agent>_allowed_processes`",
        why: "None of the four names exists in any upstream rules file; Falco refuses to load a rules file with an undefined macro or list, so none of the seed's rules would run",
        refs: &["C-19", "S-FALCO-03", "S-FALCO-04", "S-FALCO-05"],
    },
    Deviation {
        seed: "Rules have a name, condition, output and priority",
        generated: "Every rule also has `desc`, `enabled: true`, `tags` (requirement ids, ISO 27001 controls, MITRE ATT&CK), and an output naming the namespace, pod, agent, tier, image, process, command line and user (and the file or connection)",
        why: "`desc` is a required key of a Falco rule; an output without the pod and agent cannot be acted on",
        refs: &["C-19", "S-FALCO-01", "S-FALCO-02"],
    },
    Deviation {
        seed: "Shell, sensitive-file and network rules are one host-wide rule each, with one priority",
        generated: "Each is written once per tier namespace (`k8s.ns.name`), with the seed's priority raised one step where the tier's profile demands real-time security monitoring (critical by default: ERROR, CRITICAL, ERROR)",
        why: "The seed classifies agents by tier but gives a shell in a critical agent the same priority as one in a standard agent; alert routing and paging follow priority",
        refs: &["S-FALCO-01", "S-FALCO-02", "S-FALCO-03", "S-INV-01"],
    },
    Deviation {
        seed: "`inbound_connection and not expected_ports`",
        generated: "`rampart_inbound_connection` (upstream's `inbound` pattern) and not `fd.sport in (rampart_expected_ports_<tier>)`, the ports the tier's agents serve according to the inventory, per tier namespace",
        why: "`inbound` exists only in the sandbox rules file, which is not loaded by default; the expected ports are the inventory's, not a constant",
        refs: &["C-19", "S-FALCO-03"],
    },
    Deviation {
        seed: "Privilege escalation: `spawned_process and proc_name_exists and setuid_or_setgid`",
        generated: "A syscall rule on `setuid`, `setresuid`, `setgid`, `setresgid` (the pattern of upstream \"Non sudo setuid\") in containers of the critical namespace, container-runtime setup (`runc:`) excepted, CRITICAL",
        why: "`spawned_process` matches execve events and setuid is a different event type: the conjunction can never be true, so the seed's rule never fires",
        refs: &["C-19", "S-FALCO-04"],
    },
    Deviation {
        seed: "`evt.dir` in the upstream patterns (`evt.dir=>` in \"Non sudo setuid\", `evt.dir=<` in `inbound`)",
        generated: "Conditions without `evt.dir`; enter events are excluded by the result checks (`evt.rawres`), and the file requires engine 0.57.0 (Falco 0.43) and the container plugin",
        why: "Since Falco 0.42 syscall enter events are no longer generated: `evt.dir=>` never matches and `evt.dir` is deprecated (a load warning)",
        refs: &["C-19", "S-FALCO-04"],
    },
    Deviation {
        seed: "Unauthorized processes: `spawned_process and not allowed_processes`, for the whole critical tier",
        generated: "One rule and one `rampart_<agent>_allowed_processes` list per critical agent, from the inventory's `processes`, scoped by `k8s.ns.name` and the pod label `app.kubernetes.io/name`",
        why: "An allowlist shared by all critical agents allows each agent every other agent's binaries; the list has to come from the inventory to exist at all",
        refs: &["C-19", "S-FALCO-05"],
    },
    Deviation {
        seed: "Webhook `https://security-alerts.company.com/falco/{agent_id}`, one Falco configuration per agent",
        generated: "One `http_output` to the inventory's `alert-webhook` (https), JSON output with tags; per-agent routing on the output fields `k8s.pod.label[app.kubernetes.io/name]` and `k8s.pod.label[classification]`",
        why: "Falco runs once per node and has one configuration for every pod on it; the webhook host is environment-specific and comes from the inventory",
        refs: &["C-19", "S-FALCO-06", "S-FALCO-07", "G-CFG-07"],
    },
    Deviation {
        seed: "`rule_reload_interval=\"5m\"`",
        generated: "`watch_config_files: true`: Falco reloads when its configuration or rules change",
        why: "Falco has no reload interval option",
        refs: &["C-19", "S-FALCO-08"],
    },
    Deviation {
        seed: "`metrics_enabled=True`",
        generated: "`metrics { enabled: true, interval: 15m, output_rule: true }` (in the Helm values, the chart's `metrics` section, which also exposes them to Prometheus)",
        why: "Falco's metrics are off by default and need an interval",
        refs: &["S-FALCO-09"],
    },
    Deviation {
        seed: "Base and critical rules evaluated together (implicitly, every matching rule alerts)",
        generated: "`rule_matching: all`",
        why: "Falco's default `first` stops at the first matching rule: the upstream \"Terminal shell in container\" rule (NOTICE) would shadow the tier rules on the same event",
        refs: &["S-FALCO-01", "S-FALCO-05"],
    },
];

/// The engine version of Falco 0.43, the first release whose upstream rules are
/// written without `evt.dir` (enter events are dropped since 0.42) and the version the
/// upstream rules of that release require.
const REQUIRED_ENGINE_VERSION: &str = "0.57.0";

/// The container plugin provides `container.*` and `k8s.ns.name`/`k8s.pod.*` since
/// Falco 0.41; 0.4.0 is the version upstream rules require.
const REQUIRED_CONTAINER_PLUGIN_VERSION: &str = "0.4.0";

/// Where the rules file is installed: the chart mounts `customRules` into `rules.d`,
/// which Falco reads after the upstream rules the file builds on.
const RULES_DIRECTORY: &str = "/etc/falco/rules.d";
const RULES_FILE_NAME: &str = "rampart_rules.yaml";

/// How often Falco emits its metrics snapshot (S-FALCO-09); one of the intervals
/// Falco's documentation recommends for production.
const METRICS_INTERVAL: &str = "15m";

/// Falco's priorities, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Priority {
    Critical,
    Error,
    Warning,
}

impl Priority {
    fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "CRITICAL",
            Self::Error => "ERROR",
            Self::Warning => "WARNING",
        }
    }

    /// One step more severe, at most CRITICAL: ALERT and EMERGENCY are left for
    /// Falco's own failures.
    fn raised(self) -> Self {
        match self {
            Self::Warning => Self::Error,
            Self::Error | Self::Critical => Self::Critical,
        }
    }
}

/// One of the seed's rules: its name, priority and the controls it implements.
struct SeedRule {
    requirement: &'static str,
    name: &'static str,
    priority: Priority,
    iso27001_2013: &'static [&'static str],
    iso27001_2022: &'static [&'static str],
    /// Falco's own tags: what is watched and the MITRE ATT&CK technique.
    topics: &'static [&'static str],
}

const SHELL: SeedRule = SeedRule {
    requirement: "S-FALCO-01",
    name: "Detect shell spawning in container",
    priority: Priority::Warning,
    iso27001_2013: &["A.12.4.1", "A.12.2.1"],
    iso27001_2022: &["A.8.16", "A.8.15", "A.8.7"],
    topics: &["container", "shell", "process", "mitre_execution", "T1059"],
};

const SENSITIVE_FILE: SeedRule = SeedRule {
    requirement: "S-FALCO-02",
    name: "Detect sensitive file access",
    priority: Priority::Error,
    iso27001_2013: &["A.12.4.1", "A.9.4.1"],
    iso27001_2022: &["A.8.16", "A.8.3"],
    topics: &[
        "container",
        "filesystem",
        "mitre_credential_access",
        "T1555",
    ],
};

const NETWORK: SeedRule = SeedRule {
    requirement: "S-FALCO-03",
    name: "Detect unexpected network activity",
    priority: Priority::Warning,
    iso27001_2013: &["A.12.4.1", "A.13.1.1"],
    iso27001_2022: &["A.8.16", "A.8.20"],
    topics: &[
        "container",
        "network",
        "mitre_command_and_control",
        "TA0011",
    ],
};

const PRIVILEGE_ESCALATION: SeedRule = SeedRule {
    requirement: "S-FALCO-04",
    name: "Detect privilege escalation",
    priority: Priority::Critical,
    iso27001_2013: &["A.12.4.1", "A.9.2.3"],
    iso27001_2022: &["A.8.16", "A.8.2"],
    topics: &[
        "container",
        "users",
        "mitre_privilege_escalation",
        "T1548.001",
    ],
};

const UNAUTHORIZED_PROCESS: SeedRule = SeedRule {
    requirement: "S-FALCO-05",
    name: "Detect unauthorized process execution",
    priority: Priority::Error,
    iso27001_2013: &["A.12.5.1", "A.12.2.1"],
    iso27001_2022: &["A.8.19", "A.8.7", "A.8.16"],
    topics: &["container", "process", "mitre_execution", "T1059"],
};

/// Upstream's `inbound` macro (falco_rules.yaml up to rules 3.x, the sandbox file
/// since) without `evt.dir`: accepted connections, listening sockets and
/// unconnected datagrams on IP sockets, other than loopback. Enter events carry no
/// result, so the `evt.rawres` test keeps only the returns of the calls.
const INBOUND_CONNECTION: &str = "\
(((evt.type in (accept, accept4, listen))
  or (evt.type in (recvfrom, recvmsg)
      and fd.l4proto != tcp
      and fd.connected = false
      and fd.name_changed = true))
 and (fd.typechar = 4 or fd.typechar = 6)
 and (fd.ip != \"0.0.0.0\" and fd.net != \"127.0.0.0/8\")
 and (evt.rawres >= 0 or evt.res = EINPROGRESS))";

/// The calls that change a process's user or group ids, each with its own Falco event
/// type. setreuid/setregid/setfsuid/setfsgid have none (they are generic events) and
/// cannot be named in `evt.type`.
const USER_OR_GROUP_CHANGE: &str = "(evt.type in (setuid, setresuid, setgid, setresgid))";

const INBOUND_CONNECTION_MACRO: &str = "rampart_inbound_connection";
const USER_OR_GROUP_CHANGE_MACRO: &str = "rampart_user_or_group_change";

pub(crate) fn render(context: &Context<'_>) -> Vec<GeneratedFile> {
    let rules = rules_file(context);
    vec![
        GeneratedFile {
            path: format!("falco/{RULES_FILE_NAME}"),
            contents: rules.clone(),
        },
        GeneratedFile {
            path: "falco/falco.yaml".to_owned(),
            contents: config_file(context),
        },
        GeneratedFile {
            path: "falco/values.yaml".to_owned(),
            contents: helm_values(context, &rules),
        },
    ]
}

/// The priority of a seed rule written for `tier`'s namespace.
fn tier_priority(rule: &SeedRule, tier: Tier, context: &Context<'_>) -> Priority {
    match context.config.tiers.profile(tier).security_monitoring {
        SecurityMonitoring::RealTime => rule.priority.raised(),
        SecurityMonitoring::Hourly | SecurityMonitoring::Daily => rule.priority,
    }
}

/// The name of a list or macro derived from an agent id (`payments-orchestrator` →
/// `payments_orchestrator`): a hyphen inside a list name would be read as a literal.
fn identifier(text: &str) -> String {
    text.replace('-', "_")
}

fn expected_ports_list(tier: Tier) -> String {
    format!("rampart_expected_ports_{}", tier.as_str())
}

fn allowed_processes_list(agent: &Agent) -> String {
    format!("rampart_{}_allowed_processes", identifier(&agent.id))
}

/// A list item as Falco reads it: a name that does not start with a letter (`7z`) or
/// holds a `+` is quoted, the way upstream quotes `"75-system-updat"`.
fn list_item(name: &str) -> Yaml {
    let plain = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if plain {
        Yaml::str(name)
    } else {
        Yaml::str(format!("\"{name}\""))
    }
}

/// The fields every alert carries: where it happened (and so whom to route it to) and
/// who did it.
fn context_fields() -> String {
    format!(
        "k8s_ns=%k8s.ns.name k8s_pod=%k8s.pod.name agent=%k8s.pod.label[{AGENT_LABEL}] tier=%k8s.pod.label[{TIER_LABEL}] container=%container.name image=%container.image.repository:%container.image.tag proc=%proc.name exe=%proc.exepath cmdline=%proc.cmdline parent=%proc.pname user=%user.name uid=%user.uid"
    )
}

fn tags(rule: &SeedRule, tier: Tier) -> Yaml {
    let mut tags = vec![
        "rampart".to_owned(),
        rule.requirement.to_owned(),
        format!("{TIER_LABEL}:{tier}"),
    ];
    tags.extend(
        rule.iso27001_2013
            .iter()
            .map(|control| format!("iso27001-2013:{control}")),
    );
    tags.extend(
        rule.iso27001_2022
            .iter()
            .map(|control| format!("iso27001-2022:{control}")),
    );
    tags.extend(rule.topics.iter().map(|topic| (*topic).to_owned()));
    Yaml::strs(tags)
}

fn rule_item(
    name: String,
    desc: String,
    condition: String,
    output: String,
    priority: Priority,
    tags: Yaml,
) -> Yaml {
    Yaml::map([
        ("rule", Yaml::str(name)),
        ("desc", Yaml::str(desc)),
        ("condition", Yaml::str(condition)),
        ("output", Yaml::str(output)),
        ("priority", Yaml::str(priority.as_str())),
        ("enabled", Yaml::Bool(true)),
        ("tags", tags),
    ])
}

fn in_namespace(tier: Tier) -> String {
    format!("k8s.ns.name = \"{}\"", namespace(tier))
}

fn shell_rule(tier: Tier, context: &Context<'_>) -> Yaml {
    let ns = namespace(tier);
    rule_item(
        format!("{} ({ns})", SHELL.name),
        format!(
            "A shell was started in a container of a {tier}-tier agent (namespace {ns}). Agent images run their service binary, never a shell: this is an interactive session (kubectl exec) or code execution through the agent."
        ),
        format!(
            "spawned_process\nand container\nand shell_procs\nand {}",
            in_namespace(tier)
        ),
        format!(
            "Shell spawned in a {tier}-tier agent container (shell=%proc.name tty=%proc.tty {})",
            context_fields()
        ),
        tier_priority(&SHELL, tier, context),
        tags(&SHELL, tier),
    )
}

fn sensitive_file_rule(tier: Tier, context: &Context<'_>) -> Yaml {
    let ns = namespace(tier);
    rule_item(
        format!("{} ({ns})", SENSITIVE_FILE.name),
        format!(
            "A file holding credentials or authentication policy (upstream sensitive_files: /etc/shadow, /etc/sudoers, /etc/pam.conf, /etc/sudoers.d, /etc/pam.d) was opened for reading in a container of a {tier}-tier agent (namespace {ns})."
        ),
        format!(
            "open_read\nand sensitive_files\nand container\nand {}",
            in_namespace(tier)
        ),
        format!(
            "Sensitive file opened for reading in a {tier}-tier agent container (file=%fd.name {})",
            context_fields()
        ),
        tier_priority(&SENSITIVE_FILE, tier, context),
        tags(&SENSITIVE_FILE, tier),
    )
}

fn network_rule(tier: Tier, ports: &BTreeSet<u16>, context: &Context<'_>) -> Yaml {
    let ns = namespace(tier);
    let served = if ports.is_empty() {
        "no port: the tier has no agents".to_owned()
    } else {
        ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    rule_item(
        format!("{} ({ns})", NETWORK.name),
        format!(
            "A container of a {tier}-tier agent (namespace {ns}) accepted a connection or listened on a port that no {tier}-tier agent serves according to the inventory ({served})."
        ),
        format!(
            "{INBOUND_CONNECTION_MACRO}\nand container\nand {}\nand not fd.sport in ({})",
            in_namespace(tier),
            expected_ports_list(tier)
        ),
        format!(
            "Inbound connection on a port no {tier}-tier agent serves (connection=%fd.name sport=%fd.sport l4proto=%fd.l4proto syscall=%evt.type {})",
            context_fields()
        ),
        tier_priority(&NETWORK, tier, context),
        tags(&NETWORK, tier),
    )
}

fn privilege_escalation_rule() -> Yaml {
    let tier = Tier::Critical;
    let ns = namespace(tier);
    rule_item(
        format!("{} ({ns})", PRIVILEGE_ESCALATION.name),
        format!(
            "A process in a container of a critical agent (namespace {ns}) called setuid, setresuid, setgid or setresgid. Critical agents run as a fixed non-root user: any change of user or group is an escalation attempt. The container runtime's own setup (runc:) is excepted; failed calls alert too (see res)."
        ),
        format!(
            "{USER_OR_GROUP_CHANGE_MACRO}\nand container\nand proc_name_exists\nand not proc.name startswith \"runc:\"\nand {}",
            in_namespace(tier)
        ),
        format!(
            "User or group change in a critical agent container (syscall=%evt.type args=%evt.args res=%evt.res loginuid=%user.loginuid {})",
            context_fields()
        ),
        PRIVILEGE_ESCALATION.priority,
        tags(&PRIVILEGE_ESCALATION, tier),
    )
}

fn unauthorized_process_rule(agent: &Agent) -> Yaml {
    let tier = agent.classification;
    let ns = namespace(tier);
    rule_item(
        format!("{} ({})", UNAUTHORIZED_PROCESS.name, agent.id),
        format!(
            "A process other than those the inventory lists for agent {} ({}) was started in one of its containers (namespace {ns}, pod label {AGENT_LABEL}={}).",
            agent.id,
            agent.processes.join(", "),
            agent.id
        ),
        format!(
            "spawned_process\nand container\nand {}\nand k8s.pod.label[{AGENT_LABEL}] = \"{}\"\nand not proc.name in ({})",
            in_namespace(tier),
            agent.id,
            allowed_processes_list(agent)
        ),
        format!(
            "Process not allowed for agent {} started (allowed={} {})",
            agent.id,
            allowed_processes_list(agent),
            context_fields()
        ),
        UNAUTHORIZED_PROCESS.priority,
        tags(&UNAUTHORIZED_PROCESS, tier),
    )
}

/// One item of a rules file, as its own YAML sequence entry (so that items can be
/// separated by blank lines and comments).
fn item(value: Yaml) -> String {
    Yaml::seq([value]).to_document()
}

fn rules_file(context: &Context<'_>) -> String {
    let inventory = context.inventory;
    let mut out = context.header("#");
    out.push_str(
        "#
# Falco rules for the agent platform: seed 003's runtime rules, made loadable (C-19).
# Install as /etc/falco/rules.d/rampart_rules.yaml, after upstream falco_rules.yaml
# (values.yaml does this through the chart's customRules).
#
# Upstream names used: spawned_process, container, shell_procs, open_read,
# sensitive_files, proc_name_exists. Everything else is defined below, prefixed
# rampart_ so that no upstream list or macro is overridden.
#
# Priorities: the seed's base rules (shell, sensitive file, network) are written once
# per tier namespace, at the seed's priority raised one step for tiers whose profile
# demands real-time security monitoring (critical by default). The critical-only rules
# (privilege escalation, unauthorized process) keep the seed's CRITICAL and ERROR.
#
# Routing: Falco runs per node; every alert carries k8s.ns.name, k8s.pod.name and the
# pod labels app.kubernetes.io/name (the agent) and classification (the tier), on
# which the alert receiver routes per agent (S-FALCO-07).

",
    );
    out.push_str(&item(Yaml::map([(
        "required_engine_version",
        Yaml::str(REQUIRED_ENGINE_VERSION),
    )])));
    out.push('\n');
    out.push_str(&item(Yaml::map([(
        "required_plugin_versions",
        Yaml::seq([Yaml::map([
            ("name", Yaml::str("container")),
            ("version", Yaml::str(REQUIRED_CONTAINER_PLUGIN_VERSION)),
        ])]),
    )])));

    out.push_str("\n# Macros the seed named but nobody defines (S-FALCO-03, S-FALCO-04).\n\n");
    out.push_str(&item(Yaml::map([
        ("macro", Yaml::str(INBOUND_CONNECTION_MACRO)),
        ("condition", Yaml::str(INBOUND_CONNECTION)),
    ])));
    out.push('\n');
    out.push_str(&item(Yaml::map([
        ("macro", Yaml::str(USER_OR_GROUP_CHANGE_MACRO)),
        ("condition", Yaml::str(USER_OR_GROUP_CHANGE)),
    ])));

    out.push_str("\n# The ports each tier's agents serve, from the inventory (S-FALCO-03).\n");
    let mut tier_ports = Vec::new();
    for tier in Tier::ALL {
        let ports: BTreeSet<u16> = inventory.agents_of(tier).map(|a| a.port).collect();
        out.push('\n');
        out.push_str(&item(Yaml::map([
            ("list", Yaml::str(expected_ports_list(tier))),
            ("items", Yaml::seq(ports.iter().map(|p| Yaml::from(*p)))),
        ])));
        tier_ports.push((tier, ports));
    }

    out.push_str(
        "\n# The processes each critical agent runs, from the inventory's `processes` (S-FALCO-05).\n",
    );
    for agent in inventory.agents_of(Tier::Critical) {
        out.push('\n');
        out.push_str(&item(Yaml::map([
            ("list", Yaml::str(allowed_processes_list(agent))),
            (
                "items",
                Yaml::seq(agent.processes.iter().map(|p| list_item(p))),
            ),
        ])));
    }

    for (tier, ports) in &tier_ports {
        writeln_section(
            &mut out,
            &format!(
                "Base rules for the {tier} tier (namespace {}).",
                namespace(*tier)
            ),
        );
        out.push_str(&item(shell_rule(*tier, context)));
        out.push('\n');
        out.push_str(&item(sensitive_file_rule(*tier, context)));
        out.push('\n');
        out.push_str(&item(network_rule(*tier, ports, context)));
    }

    writeln_section(
        &mut out,
        "Rules for critical agents only (S-FALCO-04, S-FALCO-05).",
    );
    out.push_str(&item(privilege_escalation_rule()));
    for agent in inventory.agents_of(Tier::Critical) {
        out.push('\n');
        out.push_str(&item(unauthorized_process_rule(agent)));
    }
    out
}

fn writeln_section(out: &mut String, title: &str) {
    out.push_str("\n# ");
    out.push_str(title);
    out.push_str("\n\n");
}

/// The keys of Falco's configuration the baseline sets, in the order of upstream
/// `falco.yaml`. `metrics` is separate: the Helm chart configures it from its own
/// `metrics` section.
fn falco_settings(context: &Context<'_>) -> Vec<(&'static str, Yaml)> {
    vec![
        (
            // Upstream's defaults; ours is loaded from rules.d, after falco_rules.yaml.
            "rules_files",
            Yaml::strs([
                "/etc/falco/falco_rules.yaml",
                "/etc/falco/falco_rules.local.yaml",
                RULES_DIRECTORY,
            ]),
        ),
        // S-FALCO-08: reload on change, the seed's "reload every 5 minutes".
        ("watch_config_files", Yaml::Bool(true)),
        ("json_output", Yaml::Bool(true)),
        ("json_include_output_property", Yaml::Bool(true)),
        ("json_include_tags_property", Yaml::Bool(true)),
        // Every matching rule alerts; `first` lets upstream rules shadow the tier rules.
        ("rule_matching", Yaml::str("all")),
        // S-FALCO-06: the seed's three channels.
        ("stdout_output", Yaml::map([("enabled", Yaml::Bool(true))])),
        ("syslog_output", Yaml::map([("enabled", Yaml::Bool(true))])),
        (
            "http_output",
            Yaml::map([
                ("enabled", Yaml::Bool(true)),
                // S-FALCO-07: one https webhook from the inventory (G-CFG-07).
                ("url", Yaml::str(&context.inventory.platform.alert_webhook)),
                ("user_agent", Yaml::str("falcosecurity/falco")),
                // Verify the receiver's certificate.
                ("insecure", Yaml::Bool(false)),
            ]),
        ),
    ]
}

fn metrics_settings() -> Yaml {
    Yaml::map([
        ("enabled", Yaml::Bool(true)),
        ("interval", Yaml::str(METRICS_INTERVAL)),
        ("output_rule", Yaml::Bool(true)),
        ("resource_utilization_enabled", Yaml::Bool(true)),
        ("state_counters_enabled", Yaml::Bool(true)),
        ("kernel_event_counters_enabled", Yaml::Bool(true)),
        ("convert_memory_to_mb", Yaml::Bool(true)),
    ])
}

fn config_file(context: &Context<'_>) -> String {
    let mut out = context.header("#");
    out.push_str(
        "#
# Falco configuration for the agent platform: these keys replace those of the packaged
# /etc/falco/falco.yaml (values.yaml sets the same through the Helm chart). Install
# rampart_rules.yaml as /etc/falco/rules.d/rampart_rules.yaml.
#
# One Falco runs per node for every pod on it (C-19): alerts go to one webhook and are
# routed per agent on their output fields (S-FALCO-07).

",
    );
    let mut settings = falco_settings(context);
    // S-FALCO-09.
    settings.push(("metrics", metrics_settings()));
    out.push_str(&Yaml::map(settings).to_document());
    out
}

fn helm_values(context: &Context<'_>, rules: &str) -> String {
    let mut out = context.header("#");
    out.push_str(
        "#
# Values for the official falcosecurity/falco Helm chart:
#   helm install falco falcosecurity/falco --namespace falco --create-namespace -f values.yaml
# Falco runs as a DaemonSet on every node: it tolerates the taint of every tier's node
# group (S-FALCO-01, S-NODE-09), loads rampart_rules.yaml after the upstream rules,
# and sends alerts to the inventory's webhook.

",
    );
    let tolerations = Yaml::seq(Tier::ALL.into_iter().map(|tier| {
        Yaml::map([
            ("key", Yaml::str(NODE_TIER_KEY)),
            ("operator", Yaml::str("Equal")),
            ("value", Yaml::str(tier.as_str())),
            ("effect", Yaml::str("NoSchedule")),
        ])
    }));
    let falco = Yaml::map(falco_settings(context));
    let values = Yaml::map([
        ("tolerations", tolerations),
        (
            "customRules",
            Yaml::map([(RULES_FILE_NAME, Yaml::str(rules))]),
        ),
        ("falco", falco),
        (
            // S-FALCO-09: the chart writes falco.metrics from these and exposes them.
            "metrics",
            Yaml::map([
                ("enabled", Yaml::Bool(true)),
                ("interval", Yaml::str(METRICS_INTERVAL)),
                ("outputRule", Yaml::Bool(true)),
            ]),
        ),
    ]);
    out.push_str(&values.to_document());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;
    use crate::{InventorySource, Layout};
    use rampart_config::Config;

    fn render_starter() -> Vec<GeneratedFile> {
        let inventory = Inventory::parse(crate::STARTER_INVENTORY, "agents.yaml").unwrap();
        let config = Config::default();
        let source = InventorySource::of("agents.yaml", crate::STARTER_INVENTORY.as_bytes());
        let context = Context {
            inventory: &inventory,
            config: &config,
            layout: Layout::of(&inventory),
            source: &source,
        };
        render(&context)
    }

    fn file<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
        &files.iter().find(|f| f.path == path).unwrap().contents
    }

    #[test]
    fn priorities_follow_the_tier() {
        assert_eq!(Priority::Warning.raised(), Priority::Error);
        assert_eq!(Priority::Error.raised(), Priority::Critical);
        assert_eq!(Priority::Critical.raised(), Priority::Critical);
        let rules = file(&render_starter(), "falco/rampart_rules.yaml").to_owned();
        let priority_of = |name: &str| {
            let start = rules.find(&format!("- rule: {name}\n")).unwrap();
            let rest = &rules[start..];
            let line = rest
                .lines()
                .find(|l| l.starts_with("  priority: "))
                .unwrap();
            line.trim_start_matches("  priority: ").to_owned()
        };
        assert_eq!(
            priority_of("Detect shell spawning in container (critical-agents)"),
            "ERROR"
        );
        assert_eq!(
            priority_of("Detect shell spawning in container (standard-agents)"),
            "WARNING"
        );
        assert_eq!(
            priority_of("Detect sensitive file access (critical-agents)"),
            "CRITICAL"
        );
        assert_eq!(
            priority_of("Detect sensitive file access (high-value-agents)"),
            "ERROR"
        );
        assert_eq!(
            priority_of("Detect privilege escalation (critical-agents)"),
            "CRITICAL"
        );
    }

    #[test]
    fn every_critical_agent_has_its_allowlist_and_rule() {
        let inventory = Inventory::parse(crate::STARTER_INVENTORY, "agents.yaml").unwrap();
        let rules = file(&render_starter(), "falco/rampart_rules.yaml").to_owned();
        let mut critical = 0;
        for agent in inventory.agents_of(Tier::Critical) {
            critical += 1;
            let list = allowed_processes_list(agent);
            assert!(rules.contains(&format!("- list: {list}\n")), "{list}");
            assert!(rules.contains(&format!("and not proc.name in ({list})")));
            assert!(rules.contains(&format!(
                "- rule: Detect unauthorized process execution ({})\n",
                agent.id
            )));
        }
        assert_eq!(critical, 11);
        assert!(rules.contains(
            "- list: rampart_fraud_scoring_allowed_processes\n  items:\n  - gunicorn\n  - python3\n"
        ));
    }

    #[test]
    fn process_names_that_falco_would_misread_are_quoted() {
        assert_eq!(list_item("payments-api"), Yaml::str("payments-api"));
        assert_eq!(list_item("python3.12"), Yaml::str("python3.12"));
        assert_eq!(list_item("7zip"), Yaml::str("\"7zip\""));
        assert_eq!(list_item("g++"), Yaml::str("\"g++\""));
    }

    #[test]
    fn the_webhook_is_the_inventorys() {
        let files = render_starter();
        let url = "url: https://security-alerts.company.com/falco\n";
        assert!(file(&files, "falco/falco.yaml").contains(&format!("\n  {url}")));
        assert!(file(&files, "falco/values.yaml").contains(&format!("\n    {url}")));
    }
}
