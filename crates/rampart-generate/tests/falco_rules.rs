//! The Falco part loads: what `falco --validate` would check, checked structurally
//! (C-19, S-FALCO-01..09). Every rule has its required keys and a valid priority;
//! every identifier in a condition is a Falco field, an operator, a literal, or a
//! macro or list defined in the generated file or in upstream `falco_rules.yaml`;
//! names are unique, parentheses balance, and no rule requires two event types at
//! once (the seed's execve-and-setuid privilege-escalation rule). The checker is shown
//! to fail on broken rules. When a `falco` binary is on PATH, it validates the file
//! too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use rampart_config::Config;
use rampart_generate::{GeneratedFile, Inventory, InventorySource, STARTER_INVENTORY, Target};
use rampart_yaml::{Limits, Node, parse_stream};

/// Upstream macros the generated rules rely on, with the event types they require
/// (None: any). Checked against falcosecurity/rules `rules/falco_rules.yaml` (rules
/// 3.x, `required_engine_version: 26`, commit f69f43392fbf) and the evt.dir-free
/// forms of rules 5.x; all six are `maturity_stable` macros of the default file.
const UPSTREAM_MACROS: &[(&str, Option<&[&str]>)] = &[
    ("spawned_process", Some(&["execve", "execveat"])),
    ("container", None),
    ("shell_procs", None),
    ("open_read", Some(&["open", "openat", "openat2"])),
    ("sensitive_files", None),
    ("proc_name_exists", None),
    ("never_true", None),
];

/// Upstream lists a condition may name (same source).
const UPSTREAM_LISTS: &[&str] = &[
    "shell_binaries",
    "sensitive_file_names",
    "userexec_binaries",
    "known_setuid_binaries",
    "docker_binaries",
];

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

const COMPARISONS: &[&str] = &[
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "contains",
    "icontains",
    "bcontains",
    "startswith",
    "bstartswith",
    "endswith",
    "glob",
    "iglob",
    "regex",
];
const SET_OPERATORS: &[&str] = &["in", "intersects", "pmatch"];
const UNARY_OPERATORS: &[&str] = &["exists"];

const PRIORITIES: &[&str] = &[
    "EMERGENCY",
    "ALERT",
    "CRITICAL",
    "ERROR",
    "WARNING",
    "NOTICE",
    "INFORMATIONAL",
    "INFO",
    "DEBUG",
];

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
const REQUIRED_RULE_KEYS: &[&str] = &["rule", "desc", "condition", "output", "priority"];

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
// Conditions

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Open,
    Close,
    Comma,
    Operator(String),
    Quoted(String),
    Word(String),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut depth = 0i32;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                depth += 1;
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err("unbalanced parentheses: `)` without `(`".to_owned());
                }
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '"' | '\'' => {
                let quote = c;
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated string".to_owned()),
                        Some('\\') => {
                            value.extend(chars.get(i + 1));
                            i += 2;
                        }
                        Some(&d) if d == quote => {
                            i += 1;
                            break;
                        }
                        Some(&d) => {
                            value.push(d);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token::Quoted(value));
            }
            '=' | '!' | '<' | '>' => {
                let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
                if ["==", "!=", "<=", ">="].contains(&two.as_str()) {
                    tokens.push(Token::Operator(two));
                    i += 2;
                } else if c == '!' {
                    return Err("`!` is not an operator".to_owned());
                } else {
                    tokens.push(Token::Operator(c.to_string()));
                    i += 1;
                }
            }
            _ => {
                let mut word = String::new();
                while let Some(&d) = chars.get(i) {
                    if d.is_whitespace() || "(),=!<>\"'".contains(d) {
                        break;
                    }
                    word.push(d);
                    i += 1;
                    if d == '[' {
                        // A field argument runs to its closing bracket.
                        while let Some(&e) = chars.get(i) {
                            word.push(e);
                            i += 1;
                            if e == ']' {
                                break;
                            }
                        }
                    }
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    if depth != 0 {
        return Err("unbalanced parentheses: `(` without `)`".to_owned());
    }
    Ok(tokens)
}

#[derive(Clone, Debug)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Macro(String),
    /// A field compared with literals (or lists, for set operators).
    Check {
        field: String,
        operator: String,
        values: Vec<String>,
    },
}

/// What names a condition may use besides fields.
struct Names<'a> {
    macros: &'a BTreeSet<String>,
    lists: &'a BTreeSet<String>,
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    names: &'a Names<'a>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w == word)
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.keyword("not") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.expr()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    other => Err(format!("expected `)`, found {other:?}")),
                }
            }
            Some(Token::Word(word)) => self.word(word),
            other => Err(format!("expected a field or macro, found {other:?}")),
        }
    }

    fn word(&mut self, word: String) -> Result<Expr, String> {
        if let Some(field) = field_name(&word)? {
            if DEPRECATED_FIELDS.contains(&field.as_str()) {
                return Err(format!(
                    "`{field}` is deprecated: enter events are dropped since Falco 0.42"
                ));
            }
            return self.check(word);
        }
        if self.names.macros.contains(&word) {
            return Ok(Expr::Macro(word));
        }
        if ["and", "or", "not"].contains(&word.as_str()) {
            return Err(format!("`{word}` where an operand belongs"));
        }
        Err(format!(
            "`{word}` is neither a Falco field nor a defined macro"
        ))
    }

    fn check(&mut self, field: String) -> Result<Expr, String> {
        let operator = match self.next() {
            Some(Token::Operator(op)) => op,
            Some(Token::Word(op))
                if COMPARISONS.contains(&op.as_str())
                    || SET_OPERATORS.contains(&op.as_str())
                    || UNARY_OPERATORS.contains(&op.as_str()) =>
            {
                op
            }
            other => return Err(format!("`{field}` needs an operator, found {other:?}")),
        };
        if UNARY_OPERATORS.contains(&operator.as_str()) {
            return Ok(Expr::Check {
                field,
                operator,
                values: Vec::new(),
            });
        }
        if SET_OPERATORS.contains(&operator.as_str()) {
            if self.next() != Some(Token::Open) {
                return Err(format!("`{field} {operator}` needs a parenthesised list"));
            }
            let mut values = Vec::new();
            loop {
                match self.next() {
                    Some(Token::Quoted(value)) => values.push(value),
                    Some(Token::Word(value)) => values.push(self.set_item(value)?),
                    other => {
                        return Err(format!(
                            "expected a value in `{operator} (…)`, found {other:?}"
                        ));
                    }
                }
                match self.next() {
                    Some(Token::Comma) => continue,
                    Some(Token::Close) => break,
                    other => return Err(format!("expected `,` or `)`, found {other:?}")),
                }
            }
            return Ok(Expr::Check {
                field,
                operator,
                values,
            });
        }
        if !COMPARISONS.contains(&operator.as_str()) {
            return Err(format!("`{operator}` is not a Falco operator"));
        }
        let value = match self.next() {
            Some(Token::Quoted(value)) => value,
            Some(Token::Word(value))
                if !["and", "or", "not"].contains(&value.as_str())
                    && field_name(&value).ok().flatten().is_none() =>
            {
                value
            }
            other => {
                return Err(format!(
                    "`{field} {operator}` needs a value, found {other:?}"
                ));
            }
        };
        Ok(Expr::Check {
            field,
            operator,
            values: vec![value],
        })
    }

    /// An unquoted item of `in (…)`: a defined list, or a literal. Falco reads an
    /// undefined list name as a literal and never matches it, so a bare item shaped
    /// like a list name (it has an underscore) must be defined.
    fn set_item(&self, value: String) -> Result<String, String> {
        if self.names.lists.contains(&value) {
            return Ok(format!("@{value}"));
        }
        if value.contains('_') {
            return Err(format!(
                "`{value}` looks like a list name but no list of that name is defined"
            ));
        }
        Ok(value)
    }
}

/// The field a word names, if it is one (`k8s.pod.label[x]` → `k8s.pod.label`).
fn field_name(word: &str) -> Result<Option<String>, String> {
    let (name, argument) = match word.split_once('[') {
        Some((name, rest)) => (name, Some(rest.trim_end_matches(']'))),
        None => (word, None),
    };
    let Some(class) = name.split('.').next() else {
        return Ok(None);
    };
    if !name.contains('.')
        || ![
            "evt",
            "proc",
            "user",
            "group",
            "fd",
            "container",
            "k8s",
            "thread",
            "fs",
            "syscall",
        ]
        .contains(&class)
    {
        return Ok(None);
    }
    if DEPRECATED_FIELDS.contains(&name) {
        return Ok(Some(name.to_owned()));
    }
    match FIELDS.iter().find(|(field, _)| *field == name) {
        Some((_, takes_argument)) => match (takes_argument, argument) {
            (true, Some(arg)) if !arg.is_empty() => Ok(Some(name.to_owned())),
            (true, _) => Err(format!("`{name}` needs an argument in brackets")),
            (false, Some(_)) => Err(format!("`{name}` takes no argument")),
            (false, None) => Ok(Some(name.to_owned())),
        },
        None => Err(format!("`{name}` is not a Falco field this checker knows")),
    }
}

fn parse_condition(text: &str, names: &Names<'_>) -> Result<Expr, String> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        at: 0,
        names,
    };
    let expr = parser.expr()?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) => Err(format!("unexpected {token:?} after a complete condition")),
    }
}

/// The event types a condition can match (None: not constrained), macros expanded.
fn event_types(expr: &Expr, macros: &BTreeMap<String, Expr>) -> Option<BTreeSet<String>> {
    match expr {
        Expr::And(a, b) => match (event_types(a, macros), event_types(b, macros)) {
            (Some(a), Some(b)) => Some(a.intersection(&b).cloned().collect()),
            (a, b) => a.or(b),
        },
        Expr::Or(a, b) => match (event_types(a, macros), event_types(b, macros)) {
            (Some(a), Some(b)) => Some(a.union(&b).cloned().collect()),
            _ => None,
        },
        Expr::Not(_) => None,
        Expr::Macro(name) => match macros.get(name) {
            Some(expr) => event_types(expr, macros),
            None => UPSTREAM_MACROS
                .iter()
                .find(|(upstream, _)| upstream == name)
                .and_then(|(_, types)| *types)
                .map(|types| types.iter().map(|t| (*t).to_owned()).collect()),
        },
        Expr::Check {
            field,
            operator,
            values,
        } if field == "evt.type" && ["=", "==", "in"].contains(&operator.as_str()) => {
            Some(values.iter().cloned().collect())
        }
        Expr::Check { .. } => None,
    }
}

/// The macros and lists a condition names.
fn references(expr: &Expr, out: &mut BTreeSet<String>) {
    match expr {
        Expr::And(a, b) | Expr::Or(a, b) => {
            references(a, out);
            references(b, out);
        }
        Expr::Not(a) => references(a, out),
        Expr::Macro(name) => {
            out.insert(name.clone());
        }
        Expr::Check { values, .. } => {
            out.extend(
                values
                    .iter()
                    .filter_map(|v| v.strip_prefix('@'))
                    .map(str::to_owned),
            );
        }
    }
}

// ---------------------------------------------------------------------------------
// The rules file

fn text<'a>(item: &'a Node, key: &str) -> Option<&'a str> {
    item.get(key).and_then(Node::as_str)
}

/// Everything `falco --validate` would reject in a rules file loaded after upstream
/// `falco_rules.yaml`, as messages; empty when the file loads.
fn check_rules(rules: &str) -> Vec<String> {
    let stream = parse_stream(rules, "rampart_rules.yaml", &Limits::default());
    let mut problems: Vec<String> = stream
        .diagnostics
        .iter()
        .map(|d| format!("YAML: {d:?}"))
        .collect();
    let Some(document) = stream.documents.first() else {
        problems.push("the rules file is empty".to_owned());
        return problems;
    };
    let items = document.root.items();
    if !document.root.is_seq() {
        problems.push("a rules file is a sequence of items".to_owned());
    }

    let mut macros: BTreeSet<String> = UPSTREAM_MACROS
        .iter()
        .map(|(m, _)| (*m).to_owned())
        .collect();
    let mut lists: BTreeSet<String> = UPSTREAM_LISTS.iter().map(|l| (*l).to_owned()).collect();
    let mut defined = BTreeSet::new();
    for item in items {
        for kind in ["macro", "list"] {
            if let Some(name) = text(item, kind) {
                if !defined.insert(format!("{kind} {name}")) {
                    problems.push(format!("{kind} `{name}` is defined twice"));
                }
                if macros.contains(name) || lists.contains(name) {
                    problems.push(format!(
                        "{kind} `{name}` overrides an upstream or earlier name"
                    ));
                }
                if kind == "macro" {
                    macros.insert(name.to_owned());
                } else {
                    lists.insert(name.to_owned());
                }
            }
        }
    }
    let names = Names {
        macros: &macros,
        lists: &lists,
    };

    let mut parsed_macros = BTreeMap::new();
    let mut used = BTreeSet::new();
    let mut rule_names = BTreeSet::new();
    let mut rules_seen = 0;
    for item in items {
        let keys: Vec<&str> = item
            .entries()
            .iter()
            .filter_map(|e| e.key.as_str())
            .collect();
        if let Some(name) = text(item, "macro") {
            match text(item, "condition") {
                Some(condition) => match parse_condition(condition, &names) {
                    Ok(expr) => {
                        references(&expr, &mut used);
                        parsed_macros.insert(name.to_owned(), expr);
                    }
                    Err(e) => problems.push(format!("macro `{name}`: {e}")),
                },
                None => problems.push(format!("macro `{name}` has no condition")),
            }
        } else if let Some(name) = text(item, "list") {
            let Some(list) = item.get("items") else {
                problems.push(format!("list `{name}` has no items"));
                continue;
            };
            if !list.is_seq() {
                problems.push(format!("list `{name}`: items must be a sequence"));
            }
            for value in list.items() {
                match value.as_str() {
                    Some(v) if !v.is_empty() && !v.contains([' ', '(', ')', ',']) => {}
                    Some(v) if v.starts_with('"') && v.ends_with('"') => {}
                    other => problems.push(format!(
                        "list `{name}`: `{other:?}` is not a literal Falco reads as one value"
                    )),
                }
            }
        } else if keys.contains(&"rule") {
            rules_seen += 1;
            let name = text(item, "rule").unwrap_or_default().to_owned();
            if !rule_names.insert(name.clone()) {
                problems.push(format!("rule `{name}` is defined twice"));
            }
            for key in REQUIRED_RULE_KEYS {
                if text(item, key).is_none_or(|v| v.trim().is_empty()) {
                    problems.push(format!("rule `{name}` has no `{key}`"));
                }
            }
            for key in &keys {
                if !RULE_KEYS.contains(key) {
                    problems.push(format!("rule `{name}`: unknown key `{key}`"));
                }
            }
            if let Some(priority) = text(item, "priority")
                && !PRIORITIES.contains(&priority.to_ascii_uppercase().as_str())
            {
                problems.push(format!(
                    "rule `{name}`: `{priority}` is not a Falco priority"
                ));
            }
            if let Some(output) = text(item, "output") {
                for problem in check_output(output) {
                    problems.push(format!("rule `{name}` output: {problem}"));
                }
            }
            if let Some(enabled) = item.get("enabled")
                && enabled.as_bool().is_none()
            {
                problems.push(format!("rule `{name}`: enabled must be true or false"));
            }
            if let Some(condition) = text(item, "condition") {
                match parse_condition(condition, &names) {
                    Ok(expr) => {
                        references(&expr, &mut used);
                        if event_types(&expr, &parsed_macros).is_some_and(|types| types.is_empty())
                        {
                            problems.push(format!(
                                "rule `{name}` can never match: its condition requires two different event types at once"
                            ));
                        }
                    }
                    Err(e) => problems.push(format!("rule `{name}`: {e}")),
                }
            }
        } else if !keys
            .iter()
            .any(|k| ["required_engine_version", "required_plugin_versions"].contains(k))
        {
            problems.push(format!("unknown item with keys {keys:?}"));
        }
    }
    if rules_seen == 0 {
        problems.push("the file has no rules".to_owned());
    }
    for definition in &defined {
        let name = definition.split_once(' ').map_or("", |(_, name)| name);
        if !used.contains(name) {
            problems.push(format!("{definition} is defined but never used"));
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
        "`inbound_connection` is neither a Falco field nor a defined macro",
    );
    fails_with(
        rules.replacen(
            "not fd.sport in (rampart_expected_ports_critical)",
            "not fd.sport in (expected_ports)",
            1,
        ),
        "`expected_ports` looks like a list name",
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
        "can never match",
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
        "`SEVERE` is not a Falco priority",
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

/// `rampart scan` recognises Kubernetes documents by `apiVersion` and `kind`, and
/// CloudFormation by `AWSTemplateFormatVersion` or `AWS::` types: the Falco files
/// carry none of these markers, so the scan never mistakes them for either.
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
