//! The Falco part loads: what `falco --validate` would check. The checks Falco
//! itself makes — required keys, priorities, conditions that parse (balanced
//! parentheses), macros and lists defined in the file or upstream
//! `falco_rules.yaml`, no rule requiring two event types at once (the seed's
//! execve-and-setuid privilege-escalation rule, C-19) — are the ones `rampart
//! scan` runs (FALCO-001, FALCO-002, from `rampart_model::falco`). On top, this
//! test holds the generator to stricter conventions of its own: every field is
//! one it knows, no deprecated field, unique names that override nothing
//! upstream, no unused definition, bare list items that look like list names
//! are defined lists, and outputs name real fields. The checker is shown to
//! fail on broken rules. When a `falco` binary is on PATH, it validates the
//! file too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use rampart_config::Config;
use rampart_generate::{GeneratedFile, Inventory, InventorySource, STARTER_INVENTORY, Target};
use rampart_model::falco::{
    Expr, Falco, ItemKind, Operand, RulesFile, Silence, UPSTREAM_LISTS, UPSTREAM_MACROS,
};
use rampart_source::{FileId, SourceFile};
use rampart_yaml::{Limits, Node, parse_stream};

/// The Falco fields the generated rules use, with whether they take an argument in
/// brackets. Sources: Falco's supported fields (classes `evt`, `proc`, `user`, `fd`
/// from libsinsp) and the container plugin's README (`container.*`, `k8s.ns.name`,
/// `k8s.pod.*`; `k8s.pod.label[app.kubernetes.io/name]` is its documented example).
const FIELDS: &[(&str, bool)] = &[
    ("evt.type", false),
    ("evt.res", false),
    ("evt.rawres", false),
    ("evt.args", false),
    ("evt.num", false),
    ("proc.name", false),
    ("proc.pname", false),
    ("proc.cmdline", false),
    ("proc.exepath", false),
    ("proc.tty", false),
    ("user.name", false),
    ("user.uid", false),
    ("user.loginuid", false),
    ("container.id", false),
    ("container.name", false),
    ("container.image.repository", false),
    ("container.image.tag", false),
    ("k8s.ns.name", false),
    ("k8s.pod.name", false),
    ("k8s.pod.label", true),
    ("fd.name", false),
    ("fd.directory", false),
    ("fd.sport", false),
    ("fd.l4proto", false),
    ("fd.typechar", false),
    ("fd.ip", false),
    ("fd.net", false),
    ("fd.connected", false),
    ("fd.name_changed", false),
];

/// `evt.dir` still parses, but enter events are gone since Falco 0.42: `evt.dir=>`
/// never matches and the field is deprecated.
const DEPRECATED_FIELDS: &[&str] = &["evt.dir"];

/// The keys a rule may have.
const RULE_KEYS: &[&str] = &[
    "rule",
    "desc",
    "condition",
    "output",
    "priority",
    "tags",
    "enabled",
    "exceptions",
    "source",
    "append",
    "override",
    "warn_evttypes",
    "skip-if-unknown-filter",
];

fn render() -> Vec<GeneratedFile> {
    let inventory = Inventory::parse(STARTER_INVENTORY, "agents.yaml").unwrap();
    let source = InventorySource::of("agents.yaml", STARTER_INVENTORY.as_bytes());
    rampart_generate::generate(&inventory, &Config::default(), &source, &[Target::Falco]).unwrap()
}

fn file<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} is not generated"))
        .contents
}

fn parse_yaml(text: &str, name: &str) -> Node {
    let stream = parse_stream(text, name, &Limits::default());
    assert!(stream.diagnostics.is_empty(), "{:?}", stream.diagnostics);
    assert_eq!(stream.documents.len(), 1, "{name} is one YAML document");
    stream.documents[0].root.clone()
}

// ---------------------------------------------------------------------------------
// Fields

/// The field a word names, if it is one (`k8s.pod.label[x]` → `k8s.pod.label`).
fn field_name(word: &str) -> Result<Option<String>, String> {
    let (name, argument) = match word.split_once('[') {
        Some((name, rest)) => (name, Some(rest.trim_end_matches(']'))),
        None => (word, None),
    };
    if !name.contains('.') {
        return Ok(None);
    }
    check_field(name, argument).map(Some)
}

/// A field this checker knows, with an argument when it takes one.
fn check_field(name: &str, argument: Option<&str>) -> Result<String, String> {
    if DEPRECATED_FIELDS.contains(&name) {
        return Err(format!(
            "`{name}` is deprecated: enter events are dropped since Falco 0.42"
        ));
    }
    match FIELDS.iter().find(|(field, _)| *field == name) {
        Some((_, takes_argument)) => match (takes_argument, argument) {
            (true, Some(arg)) if !arg.is_empty() => Ok(name.to_owned()),
            (true, _) => Err(format!("`{name}` needs an argument in brackets")),
            (false, Some(_)) => Err(format!("`{name}` takes no argument")),
            (false, None) => Ok(name.to_owned()),
        },
        None => Err(format!("`{name}` is not a Falco field this checker knows")),
    }
}

// ---------------------------------------------------------------------------------
// The rules file

fn text<'a>(item: &'a Node, key: &str) -> Option<&'a str> {
    item.get(key).and_then(Node::as_str)
}

/// Everything `falco --validate` would reject in a rules file loaded after upstream
/// `falco_rules.yaml`, and everything the generator's conventions forbid, as
/// messages; empty when the file loads and follows them.
fn check_rules(rules: &str) -> Vec<String> {
    let name = "rampart_rules.yaml";
    let stream = parse_stream(rules, name, &Limits::default());
    let mut problems: Vec<String> = stream
        .diagnostics
        .iter()
        .map(|d| format!("YAML: {d:?}"))
        .collect();
    if stream.documents.is_empty() {
        problems.push("the rules file is empty".to_owned());
        return problems;
    }
    if !stream.documents[0].root.is_seq() {
        problems.push("a rules file is a sequence of items".to_owned());
    }
    let source = SourceFile::new(name.to_owned(), name.to_owned(), rules.to_owned());
    let falco = Falco {
        rules_files: vec![RulesFile::new(
            FileId(0),
            stream.documents.into_iter().map(|d| d.root).collect(),
        )],
        configs: Vec::new(),
    };

    // What Falco refuses, and rules that never fire: the scanner's own checks.
    problems.extend(
        falco
            .load_errors(std::slice::from_ref(&source))
            .iter()
            .map(|e| format!("line {}: {}", e.span.start.line, e.problem.message())),
    );
    for silent in falco.silent_rules() {
        problems.push(match silent.reason {
            Silence::Unsatisfiable { .. } => format!(
                "rule `{}` can never fire: its condition requires two different event types at once",
                silent.rule
            ),
            Silence::DisabledRequired { requirement } => {
                format!("rule `{}` ({requirement}) is disabled", silent.rule)
            }
        });
    }

    // The generator's conventions.
    let items = &falco.rules_files[0].items;
    let mut lists: BTreeSet<&str> = UPSTREAM_LISTS.iter().copied().collect();
    let mut defined = BTreeSet::new();
    for item in items {
        let (Some(name), true) = (
            item.name.as_deref(),
            matches!(item.kind, ItemKind::Macro | ItemKind::List | ItemKind::Rule),
        ) else {
            if item.kind == ItemKind::Other {
                problems.push(format!("unknown item {:?}", item.node.span));
            }
            continue;
        };
        let kind = item.kind.key();
        if !defined.insert((kind, name)) {
            problems.push(format!("{kind} `{name}` is defined twice"));
        }
        let upstream = match item.kind {
            ItemKind::Macro => UPSTREAM_MACROS.contains(&name),
            ItemKind::List => UPSTREAM_LISTS.contains(&name),
            _ => false,
        };
        if upstream {
            problems.push(format!("{kind} `{name}` overrides an upstream name"));
        }
        if item.kind == ItemKind::List {
            lists.insert(name);
        }
    }

    let mut used = BTreeSet::new();
    let mut rules_seen = 0;
    for item in items {
        let described = item.describe();
        if item.kind == ItemKind::List {
            for value in item.get("items").map(Node::items).unwrap_or_default() {
                match value.as_str() {
                    Some(v) if !v.is_empty() && !v.contains([' ', '(', ')', ',']) => {}
                    Some(v) if v.starts_with('"') && v.ends_with('"') => {}
                    other => problems.push(format!(
                        "{described}: `{other:?}` is not a literal Falco reads as one value"
                    )),
                }
            }
        }
        if item.kind == ItemKind::Rule {
            rules_seen += 1;
            for entry in item.node.entries() {
                if let Some(key) = entry.key.as_str()
                    && !RULE_KEYS.contains(&key)
                {
                    problems.push(format!("{described}: unknown key `{key}`"));
                }
            }
            if let Some(output) = text(&item.node, "output") {
                for problem in check_output(output) {
                    problems.push(format!("{described} output: {problem}"));
                }
            }
            if let Some(enabled) = item.get("enabled")
                && enabled.as_bool().is_none()
            {
                problems.push(format!("{described}: enabled must be true or false"));
            }
        }
        let Some(Ok(expr)) = item.condition.as_ref().map(|c| &c.parsed) else {
            continue;
        };
        used.extend(expr.macros().into_iter().map(|m| m.text.clone()));
        for problem in check_expression(expr, &lists, &mut used) {
            problems.push(format!("{described}: {problem}"));
        }
    }
    if rules_seen == 0 {
        problems.push("the file has no rules".to_owned());
    }
    for (kind, name) in &defined {
        if *kind != "rule" && !used.contains(*name) {
            problems.push(format!("{kind} {name} is defined but never used"));
        }
    }
    problems
}

/// Fields known and not deprecated; a bare item of `in (…)` shaped like a list
/// name (it has an underscore) must be a defined list, because Falco reads an
/// undefined one as a literal and never matches it. Records the lists used.
fn check_expression(
    expr: &Expr,
    lists: &BTreeSet<&str>,
    used: &mut BTreeSet<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for check in expr.checks() {
        let mut fields = vec![&check.field];
        if let Operand::Field(other) = &check.operand {
            fields.push(other);
        }
        for field in fields {
            if let Err(e) = check_field(&field.name, field.argument.as_deref()) {
                problems.push(e);
            }
        }
        if let Operand::List(values) = &check.operand {
            for value in values.iter().filter(|v| !v.quoted) {
                if lists.contains(value.text.as_str()) {
                    used.insert(value.text.clone());
                } else if value.text.contains('_') {
                    problems.push(format!(
                        "`{}` looks like a list name but no list of that name is defined",
                        value.text
                    ));
                }
            }
        }
    }
    problems
}

/// Every `%field` of an output is a field Falco knows.
fn check_output(output: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for piece in output.split('%').skip(1) {
        let field: String = piece
            .chars()
            .scan(false, |in_argument, c| {
                if *in_argument {
                    *in_argument = c != ']';
                    Some(c)
                } else if c == '[' {
                    *in_argument = true;
                    Some(c)
                } else if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                    Some(c)
                } else {
                    None
                }
            })
            .collect();
        match field_name(&field) {
            Ok(Some(_)) => {}
            Ok(None) => problems.push(format!("`%{field}` is not a field")),
            Err(e) => problems.push(e),
        }
    }
    problems
}

// ---------------------------------------------------------------------------------
// Tests

#[test]
fn the_generated_rules_load() {
    let files = render();
    let rules = file(&files, "falco/rampart_rules.yaml");
    let problems = check_rules(rules);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_seeds_five_rules_are_there_for_every_tier_and_critical_agent() {
    let files = render();
    let rules = parse_yaml(
        file(&files, "falco/rampart_rules.yaml"),
        "rampart_rules.yaml",
    );
    let names: Vec<&str> = rules
        .items()
        .iter()
        .filter_map(|i| text(i, "rule"))
        .collect();
    for namespace in ["critical-agents", "high-value-agents", "standard-agents"] {
        for seed in [
            "Detect shell spawning in container",
            "Detect sensitive file access",
            "Detect unexpected network activity",
        ] {
            assert!(
                names.contains(&format!("{seed} ({namespace})").as_str()),
                "{seed} {namespace}"
            );
        }
    }
    assert!(names.contains(&"Detect privilege escalation (critical-agents)"));
    let inventory = Inventory::parse(STARTER_INVENTORY, "agents.yaml").unwrap();
    let critical: Vec<_> = inventory
        .agents_of(rampart_config::Tier::Critical)
        .collect();
    assert_eq!(critical.len(), 11);
    for agent in critical {
        let name = format!("Detect unauthorized process execution ({})", agent.id);
        let rule = rules
            .items()
            .iter()
            .find(|i| text(i, "rule") == Some(name.as_str()))
            .unwrap();
        let condition = text(rule, "condition").unwrap();
        assert!(condition.contains("k8s.ns.name = \"critical-agents\""));
        assert!(condition.contains(&format!(
            "k8s.pod.label[app.kubernetes.io/name] = \"{}\"",
            agent.id
        )));
        assert_eq!(text(rule, "priority"), Some("ERROR"));
    }

    // Every rule is scoped to a tier namespace, tagged with its requirement and
    // ISO 27001 controls, and names the pod and agent for routing (S-FALCO-07).
    for rule in rules.items().iter().filter(|i| i.get("rule").is_some()) {
        let name = text(rule, "rule").unwrap();
        assert!(
            text(rule, "condition").unwrap().contains("k8s.ns.name = "),
            "{name}"
        );
        let tags: Vec<&str> = rule
            .get("tags")
            .unwrap()
            .items()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert!(tags.iter().any(|t| t.starts_with("S-FALCO-0")), "{name}");
        assert!(
            tags.iter().any(|t| t.starts_with("iso27001-2013:A.")),
            "{name}"
        );
        assert!(
            tags.iter().any(|t| t.starts_with("iso27001-2022:A.")),
            "{name}"
        );
        let output = text(rule, "output").unwrap();
        for field in [
            "%k8s.ns.name",
            "%k8s.pod.name",
            "%k8s.pod.label[app.kubernetes.io/name]",
            "%proc.cmdline",
            "%user.name",
            "%container.image.repository",
        ] {
            assert!(output.contains(field), "{name}: {field}");
        }
    }
}

#[test]
fn the_seeds_privilege_escalation_rule_is_replaced_by_a_satisfiable_one() {
    let files = render();
    let rules = file(&files, "falco/rampart_rules.yaml");
    assert!(!rules.contains("setuid_or_setgid"));
    let document = parse_yaml(rules, "rampart_rules.yaml");
    let rule = document
        .items()
        .iter()
        .find(|i| text(i, "rule") == Some("Detect privilege escalation (critical-agents)"))
        .unwrap();
    let condition = text(rule, "condition").unwrap();
    assert!(!condition.contains("spawned_process"));
    assert!(condition.contains("rampart_user_or_group_change"));
    assert_eq!(text(rule, "priority"), Some("CRITICAL"));
}

#[test]
fn the_checker_rejects_what_falco_rejects() {
    let files = render();
    let rules = file(&files, "falco/rampart_rules.yaml");
    let fails_with = |broken: String, expected: &str| {
        let problems = check_rules(&broken);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "expected a problem containing {expected:?}, got {problems:#?}"
        );
    };

    // The seed's undefined macros.
    fails_with(
        rules.replacen("and shell_procs", "and inbound_connection", 1),
        "uses the macro `inbound_connection`, which neither",
    );
    fails_with(
        rules.replacen(
            "not fd.sport in (rampart_expected_ports_critical)",
            "not fd.sport in (expected_ports)",
            1,
        ),
        "compares `fd.sport` with `expected_ports`, which is no list",
    );
    // The seed's missing desc.
    let first_desc = rules.find("\n  desc: ").unwrap();
    let end = rules[first_desc + 1..].find('\n').unwrap() + first_desc + 1;
    fails_with(
        format!("{}{}", &rules[..first_desc], &rules[end..]),
        "has no `desc`",
    );
    // The seed's unsatisfiable privilege-escalation rule, with its macro defined.
    fails_with(
        format!(
            "{rules}\n- macro: setuid_or_setgid\n  condition: evt.type in (setuid, setgid)\n\n- rule: Detect privilege escalation\n  desc: seed\n  condition: spawned_process and proc_name_exists and setuid_or_setgid\n  output: Privilege escalation detected in critical agent\n  priority: CRITICAL\n"
        ),
        "can never fire",
    );
    // Unbalanced parentheses, an unknown field, a bad priority, a duplicate rule,
    // a deprecated field.
    fails_with(
        rules.replacen(
            "(evt.type in (setuid, setresuid, setgid, setresgid))",
            "(evt.type in (setuid, setresuid, setgid, setresgid)",
            1,
        ),
        "unbalanced parentheses",
    );
    fails_with(
        rules.replacen(
            "k8s.ns.name = \"critical-agents\"",
            "k8s.namespace = \"critical-agents\"",
            1,
        ),
        "`k8s.namespace` is not a Falco field",
    );
    fails_with(
        rules.replacen("  priority: WARNING\n", "  priority: SEVERE\n", 1),
        "has priority `SEVERE`, which is not a Falco priority",
    );
    let first_rule = rules.find("- rule: ").unwrap();
    fails_with(
        format!("{rules}\n{}", &rules[first_rule..]),
        "is defined twice",
    );
    fails_with(
        format!("{rules}\n- list: rampart_unused_ports\n  items: [9090]\n"),
        "list rampart_unused_ports is defined but never used",
    );
    fails_with(
        rules.replacen(
            "(evt.type in (setuid,",
            "(evt.dir=> and evt.type in (setuid,",
            1,
        ),
        "deprecated",
    );
    fails_with(
        rules.replacen("%k8s.pod.name", "%k8s.pod", 1),
        "`k8s.pod` is not a Falco field",
    );
}

#[test]
fn the_falco_configuration_has_the_seeds_outputs_metrics_and_reload() {
    let files = render();
    let inventory = Inventory::parse(STARTER_INVENTORY, "agents.yaml").unwrap();
    let config = parse_yaml(file(&files, "falco/falco.yaml"), "falco.yaml");

    // Keys of upstream falco.yaml (Falco 0.38+, where `rules_file` became `rules_files`).
    const KNOWN: &[&str] = &[
        "rules_files",
        "watch_config_files",
        "json_output",
        "json_include_output_property",
        "json_include_tags_property",
        "rule_matching",
        "stdout_output",
        "syslog_output",
        "http_output",
        "metrics",
    ];
    for entry in config.entries() {
        let key = entry.key.as_str().unwrap();
        assert!(KNOWN.contains(&key), "`{key}` is not a Falco option");
    }
    let rules_files: Vec<&str> = config
        .get("rules_files")
        .unwrap()
        .items()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    assert_eq!(rules_files.first(), Some(&"/etc/falco/falco_rules.yaml"));
    assert!(rules_files.contains(&"/etc/falco/rules.d"));
    assert_eq!(
        config.get("json_output").and_then(Node::as_bool),
        Some(true)
    );
    assert_eq!(
        config.get("watch_config_files").and_then(Node::as_bool),
        Some(true)
    );
    assert_eq!(
        config.get("rule_matching").and_then(Node::as_str),
        Some("all")
    );
    for channel in ["stdout_output", "syslog_output", "http_output"] {
        assert_eq!(
            config.path(&[channel, "enabled"]).and_then(Node::as_bool),
            Some(true),
            "{channel}"
        );
    }
    let url = config
        .path(&["http_output", "url"])
        .and_then(Node::as_str)
        .unwrap();
    assert!(url.starts_with("https://"));
    assert_eq!(url, inventory.platform.alert_webhook);
    assert_eq!(
        config
            .path(&["http_output", "insecure"])
            .and_then(Node::as_bool),
        Some(false)
    );
    assert_eq!(
        config.path(&["metrics", "enabled"]).and_then(Node::as_bool),
        Some(true)
    );
    assert!(
        config
            .path(&["metrics", "interval"])
            .and_then(Node::as_str)
            .is_some()
    );
}

#[test]
fn the_helm_values_run_falco_on_every_node_with_the_same_rules_and_settings() {
    let files = render();
    let values = parse_yaml(file(&files, "falco/values.yaml"), "values.yaml");
    let tolerated: Vec<(&str, &str)> = values
        .get("tolerations")
        .unwrap()
        .items()
        .iter()
        .map(|t| (text(t, "key").unwrap(), text(t, "value").unwrap()))
        .collect();
    for tier in ["critical", "high"] {
        assert!(
            tolerated.contains(&("agent-classification", tier)),
            "{tier}"
        );
    }
    assert_eq!(
        values
            .path(&["customRules", "rampart_rules.yaml"])
            .and_then(Node::as_str),
        Some(file(&files, "falco/rampart_rules.yaml"))
    );
    let config = parse_yaml(file(&files, "falco/falco.yaml"), "falco.yaml");
    let falco = values.get("falco").unwrap();
    for entry in falco.entries() {
        let key = entry.key.as_str().unwrap();
        let expected = config
            .get(key)
            .unwrap_or_else(|| panic!("falco.{key} is not in falco.yaml"));
        assert!(
            same(&entry.value, expected),
            "falco.{key} differs from falco.yaml"
        );
    }
    assert_eq!(
        values.path(&["metrics", "enabled"]).and_then(Node::as_bool),
        Some(true)
    );
}

/// Equal values, wherever they were written.
fn same(a: &Node, b: &Node) -> bool {
    use rampart_yaml::Value;
    match (&a.value, &b.value) {
        (Value::Scalar(x, _), Value::Scalar(y, _)) => x == y,
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(x, y)| same(&x.key, &y.key) && same(&x.value, &y.value))
        }
        _ => false,
    }
}

/// `rampart scan` reads the Falco files as Falco's (a sequence of rule, macro and
/// list items; `falco.yaml` by its name and keys). They carry none of the markers
/// of Kubernetes documents (`apiVersion`, `kind`), CloudFormation
/// (`AWSTemplateFormatVersion`, `AWS::` types) or plans, so they are never
/// mistaken for those.
#[test]
fn the_falco_files_are_not_mistaken_for_manifests() {
    for generated in render().iter().filter(|f| f.path.starts_with("falco/")) {
        let text = &generated.contents;
        assert!(!text.contains("apiVersion"), "{}", generated.path);
        assert!(
            !text.contains("AWSTemplateFormatVersion"),
            "{}",
            generated.path
        );
        assert!(
            !text.contains("AWS::") && !text.contains("Custom::"),
            "{}",
            generated.path
        );
        assert!(!text.contains("format_version"), "{}", generated.path);
    }
}

#[test]
fn rendering_is_deterministic() {
    assert_eq!(render(), render());
}

/// With a Falco binary and its upstream rules at hand, Falco itself validates the file.
#[test]
fn falco_validates_the_rules_when_it_is_installed() {
    let upstream = std::path::Path::new("/etc/falco/falco_rules.yaml");
    let installed = std::process::Command::new("falco")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed || !upstream.exists() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("rampart-falco-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rampart_rules.yaml");
    std::fs::write(&path, file(&render(), "falco/rampart_rules.yaml")).unwrap();
    let output = std::process::Command::new("falco")
        .arg("--validate")
        .arg(upstream)
        .arg("--validate")
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}
