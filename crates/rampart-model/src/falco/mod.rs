//! Falco's files, parsed once: rules files (rules, macros, lists, each with its
//! position and its condition parsed) and Falco's configuration.
//!
//! What `falco --validate` would reject is worked out here ([`Falco::load_errors`]),
//! and so are rules that can never fire ([`Falco::silent_rules`]), so the rules
//! of the scanner only report. Names are resolved against every scanned rules
//! file together (Falco loads several: upstream `falco_rules.yaml`, then
//! `rules.d`) and against the names upstream `falco_rules.yaml` defines
//! ([`UPSTREAM_MACROS`], [`UPSTREAM_LISTS`]).

mod condition;
mod upstream;

use std::collections::{BTreeSet, HashMap};

use rampart_source::{FileId, SourceFile, Span};
use rampart_yaml::{Node, Value};

pub use condition::{
    Check, Expr, Field, Literal, Name, Operand, SyntaxError, parse_condition, parse_fragment,
    unbalanced_parentheses,
};
pub use upstream::{UPSTREAM_LISTS, UPSTREAM_MACROS, UPSTREAM_RULES_VERSION, upstream_event_types};

/// The Falco files of a scan.
#[derive(Debug, Default)]
pub struct Falco {
    pub rules_files: Vec<RulesFile>,
    pub configs: Vec<FalcoConfig>,
}

/// One rules file.
#[derive(Debug)]
pub struct RulesFile {
    pub file: FileId,
    /// The YAML documents as written (suppression comments are matched
    /// against their layout).
    pub documents: Vec<Node>,
    pub items: Vec<Item>,
}

/// What an item of a rules file is, decided as Falco decides it: by the first
/// of these keys it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    RequiredEngineVersion,
    RequiredPluginVersions,
    List,
    Macro,
    Rule,
    /// A mapping with none of these keys (Falco warns and skips it), or not a
    /// mapping.
    Other,
}

impl ItemKind {
    pub fn key(self) -> &'static str {
        match self {
            Self::RequiredEngineVersion => "required_engine_version",
            Self::RequiredPluginVersions => "required_plugin_versions",
            Self::List => "list",
            Self::Macro => "macro",
            Self::Rule => "rule",
            Self::Other => "",
        }
    }
}

/// How a rule, macro or list item relates to earlier definitions of its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A (re)definition: every required key must be there.
    Define,
    /// `append: true`, or `override:` with `append` for the condition or items.
    Append,
    /// `override:` replacing some keys (and appending none).
    Override,
    /// A rule with none of `condition`, `output`, `desc`, `priority`: it sets
    /// `enabled` of an earlier rule.
    Toggle,
}

/// A rule, macro, list or version requirement.
#[derive(Debug)]
pub struct Item {
    pub kind: ItemKind,
    pub mode: Mode,
    /// The item's mapping.
    pub node: Node,
    /// The rule, macro or list name, when it is a non-empty scalar.
    pub name: Option<String>,
    /// The condition of a rule or macro, when it is a non-empty scalar.
    pub condition: Option<Condition>,
}

/// A rule's or macro's condition: its text, where it is written, and its parse.
#[derive(Debug)]
pub struct Condition {
    pub text: String,
    /// The YAML value holding the condition (a block scalar's starts on its
    /// first line of content).
    pub span: Span,
    /// The `condition` key.
    pub key_span: Span,
    /// Whether it is appended to an earlier condition (it starts with
    /// `and`/`or`, which [`parse_fragment`] skips).
    pub fragment: bool,
    pub parsed: Result<Expr, SyntaxError>,
}

impl Item {
    fn new(node: Node) -> Self {
        let kind = [
            ItemKind::RequiredEngineVersion,
            ItemKind::RequiredPluginVersions,
            ItemKind::List,
            ItemKind::Macro,
            ItemKind::Rule,
        ]
        .into_iter()
        .find(|kind| node.get(kind.key()).is_some())
        .unwrap_or(ItemKind::Other);
        let name = node
            .get(kind.key())
            .filter(|_| matches!(kind, ItemKind::List | ItemKind::Macro | ItemKind::Rule))
            .and_then(scalar)
            .map(str::to_owned);
        let overrides = overrides(&node);
        let appends = node.get("append").and_then(Node::as_bool) == Some(true)
            || overrides.iter().any(|(_, op)| op == "append");
        let mode = if appends {
            Mode::Append
        } else if !overrides.is_empty() {
            Mode::Override
        } else if kind == ItemKind::Rule
            && ["condition", "output", "desc", "priority"]
                .iter()
                .all(|k| node.get(k).is_none())
        {
            Mode::Toggle
        } else {
            Mode::Define
        };
        let condition = match kind {
            ItemKind::Rule | ItemKind::Macro => node.entry("condition").and_then(|entry| {
                let value = &entry.value;
                let text = scalar(value)?;
                let fragment = mode == Mode::Append;
                Some(Condition {
                    text: text.to_owned(),
                    span: value.span,
                    key_span: entry.key.span,
                    fragment,
                    parsed: if fragment {
                        parse_fragment(text)
                    } else {
                        parse_condition(text)
                    },
                })
            }),
            _ => None,
        };
        Self {
            kind,
            mode,
            node,
            name,
            condition,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.node.get(key)
    }

    /// The item's name as written (`rule: <name>`), or its first key: where
    /// problems of the item as a whole are reported.
    pub fn name_span(&self) -> Span {
        self.node
            .entry(self.kind.key())
            .map(|e| {
                if e.value.is_null() {
                    e.key.span
                } else {
                    e.value.span
                }
            })
            .or_else(|| self.node.entries().first().map(|e| e.key.span))
            .unwrap_or(self.node.span)
    }

    /// `rule `Detect shell``, `macro `container`` for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} `{}`",
            self.kind.key(),
            self.name.as_deref().unwrap_or("<unnamed>")
        )
    }

    /// The event source of a rule or macro (`syscall` unless set).
    pub fn source(&self) -> &str {
        self.get("source").and_then(scalar).unwrap_or("syscall")
    }

    /// The rule's tags.
    pub fn tags(&self) -> Vec<&str> {
        self.get("tags")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(scalar)
            .collect()
    }

    /// `enabled` and its value, when set to a boolean.
    pub fn enabled(&self) -> Option<(bool, &Node)> {
        let node = self.get("enabled")?;
        Some((node.as_bool()?, node))
    }

    /// Whether this item changes the condition of an earlier item of its name.
    fn changes_condition(&self) -> bool {
        match self.mode {
            Mode::Append => self.get("condition").is_some(),
            Mode::Override => overrides(&self.node)
                .iter()
                .any(|(key, _)| key == "condition"),
            Mode::Define | Mode::Toggle => false,
        }
    }
}

/// `override: {condition: append, enabled: replace}` as (key, operation).
fn overrides(node: &Node) -> Vec<(String, String)> {
    node.get("override")
        .map(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| Some((scalar(&e.key)?.to_owned(), scalar(&e.value)?.to_owned())))
        .collect()
}

/// A non-empty scalar's text.
fn scalar(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Scalar(..) => node.as_str().filter(|s| !s.trim().is_empty()),
        _ => None,
    }
}

impl RulesFile {
    /// The rules file's items, from its parsed YAML documents.
    pub fn new(file: FileId, documents: Vec<Node>) -> Self {
        let items = documents
            .iter()
            .flat_map(|d| d.items().iter().filter(|i| !i.is_null()).cloned())
            .map(Item::new)
            .collect();
        Self {
            file,
            documents,
            items,
        }
    }

    /// Whether the file holds rules for another event source than syscalls
    /// (Kubernetes audit logs, CloudTrail, …): their macros come from the
    /// plugins' own upstream rules files, which rampart does not know.
    pub fn has_plugin_rules(&self) -> bool {
        self.items
            .iter()
            .any(|i| matches!(i.kind, ItemKind::Rule | ItemKind::Macro) && i.source() != "syscall")
    }
}

/// Falco's configuration (`falco.yaml`).
#[derive(Debug)]
pub struct FalcoConfig {
    pub file: FileId,
    /// The top-level mapping.
    pub root: Node,
}

impl FalcoConfig {
    /// The configuration of the first mapping document, if any.
    pub fn new(file: FileId, documents: Vec<Node>) -> Option<Self> {
        documents
            .into_iter()
            .find(Node::is_map)
            .map(|root| Self { file, root })
    }

    pub fn get(&self, path: &[&str]) -> Option<&Node> {
        self.root.path(path)
    }

    /// A boolean setting and where it is written, read as Falco's YAML library
    /// reads booleans (`true`/`false`, `yes`/`no`, `on`/`off`, `y`/`n`, in
    /// lower, title or upper case, quoted or not).
    pub fn switch(&self, path: &[&str]) -> Option<(bool, &Node)> {
        let node = self.get(path)?;
        let value = match node.value {
            Value::Scalar(ref text, _) => match &**text {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y"
                | "Y" => true,
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n"
                | "N" => false,
                _ => return None,
            },
            _ => return None,
        };
        Some((value, node))
    }
}

/// Something Falco refuses when loading a rules file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub file: FileId,
    pub span: Span,
    pub problem: LoadProblem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadProblem {
    /// A required key is missing, empty or not a scalar. `item` is
    /// `rule `name``.
    MissingKey { item: String, key: &'static str },
    /// `priority` is not one of Falco's.
    InvalidPriority { item: String, value: String },
    /// A list's `items` is not a sequence of scalars.
    InvalidListItems { item: String, why: &'static str },
    /// The condition does not parse.
    Syntax { item: String, message: String },
    /// A macro named in a condition is defined nowhere.
    UndefinedMacro { item: String, name: String },
    /// A list-like name compared with a numeric field is defined nowhere:
    /// Falco reads it as a value, which is no number or port.
    UndefinedList {
        item: String,
        name: String,
        field: String,
    },
}

impl LoadProblem {
    /// What is wrong, for users.
    pub fn message(&self) -> String {
        match self {
            Self::MissingKey { item, key } => {
                format!(
                    "{item} has no `{key}`: Falco refuses to load the file (\"Item has no mapping for key '{key}'\")"
                )
            }
            Self::InvalidPriority { item, value } => format!(
                "{item} has priority `{value}`, which is not a Falco priority (EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, DEBUG): Falco refuses to load the file"
            ),
            Self::InvalidListItems { item, why } => {
                format!("{item}: {why}; Falco refuses to load the file")
            }
            Self::Syntax { item, message } => {
                format!(
                    "the condition of {item} does not parse ({message}): Falco refuses to load the file"
                )
            }
            Self::UndefinedMacro { item, name } => format!(
                "{item} uses the macro `{name}`, which neither the scanned Falco rules nor upstream falco_rules.yaml define: Falco refuses to load the file (\"Undefined macro '{name}' used in filter\")"
            ),
            Self::UndefinedList { item, name, field } => format!(
                "{item} compares `{field}` with `{name}`, which is no list the scanned Falco rules or upstream falco_rules.yaml define: Falco reads it as a value, which is not a number, and refuses to load the file"
            ),
        }
    }
}

/// A rule that never fires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SilentRule {
    pub file: FileId,
    pub span: Span,
    pub rule: String,
    pub reason: Silence,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Silence {
    /// The condition (reported at its key) requires event types no single
    /// event has: `first` needs
    /// one of `first_types`, `second` one of `second_types`.
    Unsatisfiable {
        first: String,
        first_types: Vec<String>,
        second: String,
        second_types: Vec<String>,
    },
    /// `enabled: false` on a rule the policy requires (`requirement`).
    DisabledRequired { requirement: &'static str },
}

/// Priorities Falco accepts, in any case.
pub const PRIORITIES: &[&str] = &[
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

/// Fields whose values are numbers (or ports, which may also be service
/// names; those never hold `_`): a bare name there is no value Falco parses.
const NUMERIC_FIELDS: &[&str] = &[
    "fd.sport",
    "fd.dport",
    "fd.lport",
    "fd.rport",
    "fd.port",
    "fd.cport",
    "fd.num",
    "user.uid",
    "user.loginuid",
    "group.gid",
    "proc.pid",
    "proc.ppid",
    "proc.vpid",
    "proc.pvpid",
    "thread.tid",
    "thread.vtid",
    "evt.num",
    "evt.rawres",
];

/// Rules the policy names: the upstream rule P-IIIA1-b wants enabled.
const REQUIRED_UPSTREAM_RULES: &[(&str, &str)] = &[("Terminal shell in container", "P-IIIA1-b")];

/// Rule tags that say a rule implements a policy requirement (the tags
/// `rampart generate` writes).
const REQUIRED_RULE_TAGS: &[&str] = &[
    "S-FALCO-01",
    "S-FALCO-02",
    "S-FALCO-03",
    "S-FALCO-04",
    "S-FALCO-05",
];

/// Every name the scanned rules files define.
struct Definitions<'a> {
    macros: HashMap<&'a str, Vec<&'a Item>>,
    lists: HashMap<&'a str, Vec<&'a Item>>,
    rules: HashMap<&'a str, Vec<&'a Item>>,
}

impl<'a> Definitions<'a> {
    fn new(falco: &'a Falco) -> Self {
        let mut definitions = Self {
            macros: HashMap::new(),
            lists: HashMap::new(),
            rules: HashMap::new(),
        };
        for item in falco.rules_files.iter().flat_map(|f| &f.items) {
            let Some(name) = item.name.as_deref() else {
                continue;
            };
            let map = match item.kind {
                ItemKind::Macro => &mut definitions.macros,
                ItemKind::List => &mut definitions.lists,
                ItemKind::Rule => &mut definitions.rules,
                _ => continue,
            };
            map.entry(name).or_default().push(item);
        }
        definitions
    }

    fn is_macro(&self, name: &str) -> bool {
        self.macros.contains_key(name) || UPSTREAM_MACROS.contains(&name)
    }

    fn is_list(&self, name: &str) -> bool {
        self.lists.contains_key(name) || UPSTREAM_LISTS.contains(&name)
    }

    /// The one condition a scanned macro has, when it is defined once and
    /// never appended to or overridden.
    fn macro_expr(&self, name: &str) -> Option<&'a Expr> {
        match self.macros.get(name)?.as_slice() {
            [only] if only.mode == Mode::Define => only.condition.as_ref()?.parsed.as_ref().ok(),
            _ => None,
        }
    }

    /// The items of a scanned list defined once and never appended to.
    fn list_items(&self, name: &str) -> Option<Vec<&'a str>> {
        match self.lists.get(name)?.as_slice() {
            [only] if only.mode == Mode::Define => Some(
                only.get("items")?
                    .items()
                    .iter()
                    .filter_map(Node::as_str)
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The event types an expression can match, macros and lists expanded;
    /// `None` when it does not restrict them (or rampart cannot tell).
    fn event_types(&self, expr: &Expr, visiting: &mut Vec<String>) -> Option<BTreeSet<String>> {
        match expr {
            Expr::And(children) => children
                .iter()
                .filter_map(|c| self.event_types(c, visiting))
                .reduce(|a, b| a.intersection(&b).cloned().collect()),
            Expr::Or(children) => {
                let mut all = BTreeSet::new();
                for child in children {
                    all.extend(self.event_types(child, visiting)?);
                }
                Some(all)
            }
            Expr::Not(_) => None,
            Expr::Macro(name) => {
                if visiting.contains(&name.text) || visiting.len() > 64 {
                    return None;
                }
                if self.macros.contains_key(name.text.as_str()) {
                    let expr = self.macro_expr(&name.text)?;
                    visiting.push(name.text.clone());
                    let types = self.event_types(expr, visiting);
                    visiting.pop();
                    return types;
                }
                upstream_event_types(&name.text)
                    .map(|types| types.iter().map(|t| (*t).to_owned()).collect())
            }
            Expr::Check(check) => {
                let field = &check.field;
                if field.name != "evt.type"
                    || field.argument.is_some()
                    || !field.transformers.is_empty()
                {
                    return None;
                }
                match (check.operator.as_str(), &check.operand) {
                    ("=" | "==", Operand::Value(value)) => {
                        Some(BTreeSet::from([value.text.clone()]))
                    }
                    ("in", Operand::List(items)) => {
                        let mut types = BTreeSet::new();
                        for item in items {
                            if !item.quoted && self.is_list(&item.text) {
                                types.extend(
                                    self.list_items(&item.text)?.into_iter().map(str::to_owned),
                                );
                            } else {
                                types.insert(item.text.clone());
                            }
                        }
                        Some(types)
                    }
                    _ => None,
                }
            }
        }
    }
}

impl Falco {
    pub fn is_empty(&self) -> bool {
        self.rules_files.is_empty() && self.configs.is_empty()
    }

    /// Every rules-file item with the file it is in.
    pub fn items(&self) -> impl Iterator<Item = (FileId, &Item)> {
        self.rules_files
            .iter()
            .flat_map(|f| f.items.iter().map(move |i| (f.file, i)))
    }

    /// What Falco would refuse in the scanned rules files: missing keys of
    /// rule, macro and list definitions, invalid priorities, conditions that do
    /// not parse (unbalanced parentheses among them), macros defined neither
    /// in the scanned files nor upstream, and undefined list names compared
    /// with numeric fields. `files` are the project's files, to place problems
    /// inside conditions on their line.
    pub fn load_errors(&self, files: &[SourceFile]) -> Vec<LoadError> {
        let definitions = Definitions::new(self);
        let mut errors = Vec::new();
        for rules in &self.rules_files {
            let source = files.get(rules.file.index());
            let plugin_file = rules.has_plugin_rules();
            for item in &rules.items {
                let mut push = |span: Span, problem: LoadProblem| {
                    errors.push(LoadError {
                        file: rules.file,
                        span,
                        problem,
                    });
                };
                check_keys(item, &mut push);
                let Some(condition) = &item.condition else {
                    continue;
                };
                let locate = |at: usize, len: usize| {
                    source.map_or(condition.span, |source| {
                        locate(source, condition, &item.node, at, len)
                    })
                };
                let expr = match &condition.parsed {
                    Ok(expr) => expr,
                    // An appended fragment may rely on the condition it extends;
                    // a condition nested deeper than rampart reads is not judged.
                    Err(error) if condition.fragment || error.too_deep => continue,
                    Err(error) => {
                        push(
                            locate(error.at, error.len),
                            LoadProblem::Syntax {
                                item: item.describe(),
                                message: error.message.clone(),
                            },
                        );
                        continue;
                    }
                };
                // Plugin sources have their own upstream macros.
                if plugin_file || item.source() != "syscall" {
                    continue;
                }
                for name in expr.macros() {
                    if !definitions.is_macro(&name.text) {
                        push(
                            locate(name.at, name.text.len()),
                            LoadProblem::UndefinedMacro {
                                item: item.describe(),
                                name: name.text.clone(),
                            },
                        );
                    }
                }
                for check in expr.checks() {
                    let Operand::List(values) = &check.operand else {
                        continue;
                    };
                    if !NUMERIC_FIELDS.contains(&check.field.name.as_str())
                        || !check.field.transformers.is_empty()
                    {
                        continue;
                    }
                    for value in values {
                        if !value.quoted
                            && looks_like_list_name(&value.text)
                            && !definitions.is_list(&value.text)
                        {
                            push(
                                locate(value.at, value.text.len()),
                                LoadProblem::UndefinedList {
                                    item: item.describe(),
                                    name: value.text.clone(),
                                    field: check.field.name.clone(),
                                },
                            );
                        }
                    }
                }
            }
        }
        errors
    }

    /// Rules that never fire: a condition that requires two event types at
    /// once (an exec event and a setuid-family event, say), and rules the
    /// policy requires (tagged `S-FALCO-01`..`05`, or upstream's "Terminal
    /// shell in container") switched off with `enabled: false` while no
    /// scanned item switches them back on.
    pub fn silent_rules(&self) -> Vec<SilentRule> {
        let definitions = Definitions::new(self);
        let mut silent = Vec::new();
        for (file, item) in self.items() {
            if item.kind != ItemKind::Rule {
                continue;
            }
            let Some(name) = item.name.as_deref() else {
                continue;
            };
            let others = definitions
                .rules
                .get(name)
                .map(Vec::as_slice)
                .unwrap_or_default();
            if item.mode == Mode::Define
                && item.source() == "syscall"
                && others.iter().all(|o| {
                    std::ptr::eq(*o, item) || !(o.mode == Mode::Define || o.changes_condition())
                })
                && let Some(condition) = &item.condition
                && let Ok(expr) = &condition.parsed
                && let Some(conflict) = conflict(&definitions, expr)
            {
                silent.push(SilentRule {
                    file,
                    span: condition.key_span,
                    rule: name.to_owned(),
                    reason: conflict,
                });
            }
            if let Some((false, node)) = item.enabled()
                && let Some(requirement) = required_by(&definitions, name)
                && !others
                    .iter()
                    .any(|o| o.enabled().is_some_and(|(enabled, _)| enabled))
            {
                silent.push(SilentRule {
                    file,
                    span: node.span,
                    rule: name.to_owned(),
                    reason: Silence::DisabledRequired { requirement },
                });
            }
        }
        silent
    }
}

/// The requirement a rule of that name implements, from the tags of its
/// scanned definitions or the policy's list of upstream rules.
fn required_by(definitions: &Definitions<'_>, name: &str) -> Option<&'static str> {
    let tagged = definitions
        .rules
        .get(name)
        .into_iter()
        .flatten()
        .flat_map(|item| item.tags())
        .find_map(|tag| REQUIRED_RULE_TAGS.iter().find(|t| **t == tag).copied());
    tagged.or_else(|| {
        REQUIRED_UPSTREAM_RULES
            .iter()
            .find(|(rule, _)| *rule == name)
            .map(|(_, requirement)| *requirement)
    })
}

/// Two parts of a condition's top-level `and` whose event types have nothing
/// in common (or a whole condition that matches no event type).
fn conflict(definitions: &Definitions<'_>, expr: &Expr) -> Option<Silence> {
    let whole = definitions.event_types(expr, &mut Vec::new())?;
    if !whole.is_empty() {
        return None;
    }
    let parts: Vec<&Expr> = match expr {
        Expr::And(children) => children.iter().collect(),
        other => vec![other],
    };
    let typed: Vec<(String, BTreeSet<String>)> = parts
        .iter()
        .filter_map(|part| {
            let types = definitions.event_types(part, &mut Vec::new())?;
            Some((describe_part(part), types))
        })
        .collect();
    let listed = |types: &BTreeSet<String>| types.iter().cloned().collect::<Vec<_>>();
    for (i, (first, first_types)) in typed.iter().enumerate() {
        for (second, second_types) in &typed[i + 1..] {
            if first_types.is_disjoint(second_types) {
                return Some(Silence::Unsatisfiable {
                    first: first.clone(),
                    first_types: listed(first_types),
                    second: second.clone(),
                    second_types: listed(second_types),
                });
            }
        }
    }
    // The conflict is inside one part (or spread over several).
    Some(Silence::Unsatisfiable {
        first: "the condition".to_owned(),
        first_types: Vec::new(),
        second: "the condition".to_owned(),
        second_types: Vec::new(),
    })
}

fn describe_part(expr: &Expr) -> String {
    match expr {
        Expr::Macro(name) => format!("`{}`", name.text),
        Expr::Check(check) => format!("the `{}` check", check.field.name),
        _ => "a parenthesised part".to_owned(),
    }
}

/// `expected_ports`, `allowed_processes`: lower-case words joined by `_`.
fn looks_like_list_name(text: &str) -> bool {
    text.contains('_')
        && text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Required keys and valid values of one item.
fn check_keys(item: &Item, push: &mut impl FnMut(Span, LoadProblem)) {
    let missing = |key: &'static str| LoadProblem::MissingKey {
        item: item.describe(),
        key,
    };
    if matches!(item.kind, ItemKind::Rule | ItemKind::Macro | ItemKind::List) && item.name.is_none()
    {
        push(item.name_span(), missing(item.kind.key()));
        return;
    }
    let has = |key: &str| item.get(key).and_then(scalar).is_some();
    match (item.kind, item.mode) {
        (ItemKind::Rule, Mode::Define) => {
            for key in ["desc", "condition", "output", "priority"] {
                if !has(key) {
                    push(item.name_span(), missing(key));
                }
            }
        }
        (ItemKind::Rule, Mode::Toggle) if item.get("enabled").is_none() => {
            push(item.name_span(), missing("enabled"));
        }
        // Falco reads a macro's condition whatever the mode.
        (ItemKind::Macro, _) if !has("condition") => {
            push(item.name_span(), missing("condition"));
        }
        (ItemKind::List, _) => match item.get("items") {
            None => push(item.name_span(), missing("items")),
            Some(items) if !items.is_seq() => push(
                items.span,
                LoadProblem::InvalidListItems {
                    item: item.describe(),
                    why: "`items` is not a sequence",
                },
            ),
            Some(items) => {
                if let Some(bad) = items
                    .items()
                    .iter()
                    .find(|i| !matches!(i.value, Value::Scalar(..)))
                {
                    push(
                        bad.span,
                        LoadProblem::InvalidListItems {
                            item: item.describe(),
                            why: "an item of `items` is not a scalar",
                        },
                    );
                }
            }
        },
        _ => {}
    }
    if item.kind == ItemKind::Rule
        && let Some(node) = item.get("priority")
        && let Some(value) = scalar(node)
        && !PRIORITIES.contains(&value.trim().to_ascii_uppercase().as_str())
    {
        push(
            node.span,
            LoadProblem::InvalidPriority {
                item: item.describe(),
                value: value.to_owned(),
            },
        );
    }
}

/// Where `len` bytes at `at` of a condition are written in the file: the same
/// occurrence of the same text inside the condition's value (YAML folding
/// and quoting change line breaks and escapes, never names or parentheses).
/// Falls back to the start of the value.
fn locate(source: &SourceFile, condition: &Condition, item: &Node, at: usize, len: usize) -> Span {
    let fallback = Span::new(condition.span.start, condition.span.start);
    let Some(needle) = condition.text.get(at..at + len).filter(|n| !n.is_empty()) else {
        return fallback;
    };
    let Some(prefix) = condition.text.get(..at) else {
        return fallback;
    };
    let nth = prefix.matches(needle).count();
    let Some(start) = source.byte_offset(condition.span.start) else {
        return fallback;
    };
    let end = source
        .byte_offset(item.span.end.max(condition.span.end))
        .unwrap_or(source.text.len());
    let Some(haystack) = source.text.get(start..end.max(start)) else {
        return fallback;
    };
    let Some((found, _)) = haystack.match_indices(needle).nth(nth) else {
        return fallback;
    };
    let position = source.position_of(start + found);
    let first_line = needle.lines().next().unwrap_or(needle);
    Span::on_line(
        position.line,
        position.column,
        u32::try_from(first_line.chars().count()).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests;
