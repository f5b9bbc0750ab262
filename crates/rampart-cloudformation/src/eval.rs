//! The evaluator: YAML nodes of a template become `rampart_iac` nodes, with
//! intrinsic functions applied where their inputs are known.

use std::collections::{HashMap, HashSet};

use rampart_iac::{Node, Origin, Unknown, Value};
use rampart_source::{Diagnostic, FileId, Position, Span};
use rampart_yaml::{Entry, ScalarStyle, Value as YamlValue};

use crate::conditions::ConditionState;
use crate::text::{self, alphanumeric};

pub(crate) type YamlNode = rampart_yaml::Node;

/// The result of evaluating a value: `None` is `AWS::NoValue`, which removes
/// the property or list item it stands in.
pub(crate) type Evaluated = Option<Node>;

/// Deepest recursion of the evaluator: nested values (a function and its
/// arguments count as one level each, like the YAML they are written in) plus
/// chains of conditions. The YAML parser already stops at 256 levels; this
/// bound keeps condition chains off the end of the stack. 512 levels take
/// well under 1 MiB of stack in a debug build (threads get 2 MiB).
const MAX_DEPTH: usize = 512;

/// Most stack the evaluator may use, measured from where evaluation started: a
/// backstop for recursion the depth count weighs too lightly (a chain of
/// parameter defaults, each hop several frames deep). Threads get 2 MiB.
const MAX_STACK: usize = 1024 * 1024;

/// An address in the current stack frame.
fn stack_address() -> usize {
    let marker = 0u8;
    std::ptr::from_ref(std::hint::black_box(&marker)) as usize
}

/// Most work one template may cause: nodes and string bytes produced by
/// copying (`Ref`, `Fn::FindInMap`, `Fn::ForEach`) and building strings
/// (`Fn::Sub`, `Fn::Join`, `Fn::Base64`, `Fn::ToJsonString`). Hostile templates
/// could otherwise multiply a large default or nest encodings exponentially;
/// real ones stay far below (a large template is a few MiB).
const BUDGET: usize = 16 * 1024 * 1024;

/// Diagnostic codes.
pub(crate) mod code {
    /// A section, parameter or resource is malformed and was skipped (error).
    pub const STRUCTURE: &str = "cfn-structure";
    /// An unknown section or resource attribute, which CloudFormation rejects (warning).
    pub const UNKNOWN_KEY: &str = "cfn-unknown-key";
    /// A malformed intrinsic function; its value is unknown (warning).
    pub const INTRINSIC: &str = "cfn-intrinsic";
    /// A reference to a parameter, resource, condition or mapping that does
    /// not exist; its value is unknown (warning).
    pub const UNDEFINED: &str = "cfn-undefined";
    /// Conditions that refer to each other; they are unknown (warning).
    pub const CONDITION_CYCLE: &str = "cfn-condition-cycle";
    /// Nesting or evaluation size beyond rampart's bounds; the rest is unknown (error).
    pub const LIMIT: &str = "cfn-limit";
    /// A macro or `Fn::ForEach` rampart cannot expand (warning).
    pub const TRANSFORM: &str = "cfn-transform";
}

/// A declared parameter.
pub(crate) struct Parameter<'t> {
    pub declaration: &'t YamlNode,
    pub type_name: String,
}

/// An intrinsic function call: its name (`Fn::Join`), its argument and
/// whether it was written as a short-form tag (`!Join`), in which case the
/// argument node carries the tag and must be read without it.
#[derive(Clone, Copy)]
pub(crate) struct Call<'t> {
    pub name: &'t str,
    pub args: &'t YamlNode,
    pub short: bool,
    pub span: Span,
}

impl<'t> Call<'t> {
    /// The items of a list argument (`[delimiter, list]`), written literally.
    pub fn items(&self) -> Option<&'t [YamlNode]> {
        (self.args.is_seq() && (self.short || self.args.tag.is_none())).then(|| self.args.items())
    }

    /// A literal scalar argument (`!Ref Name`, `!GetAtt A.B`).
    pub fn text(&self) -> Option<&'t str> {
        match &self.args.value {
            YamlValue::Scalar(text, _) if self.short || self.args.tag.is_none() => Some(text),
            _ => None,
        }
    }
}

/// A map entry after `Fn::ForEach` expansion, with the loop variables its
/// value sees.
pub(crate) struct ExpandedEntry<'t> {
    pub key: String,
    pub key_node: &'t YamlNode,
    pub value: &'t YamlNode,
    pub locals: Vec<(String, Node)>,
}

pub(crate) enum Expansion<'t> {
    Entry(ExpandedEntry<'t>),
    /// An `Fn::ForEach` that cannot be expanded: its collection is not known
    /// or it is not a valid loop (`reported` already).
    Unexpanded {
        key_node: &'t YamlNode,
        unknown: Unknown,
        reported: bool,
    },
}

pub(crate) struct Evaluator<'t> {
    pub file: FileId,
    pub display_path: &'t str,
    pub parameters: HashMap<&'t str, Parameter<'t>>,
    /// Evaluated parameter defaults (`None`: no default), filled on first use.
    pub parameter_defaults: HashMap<&'t str, Option<Node>>,
    /// Logical ids of the template's resources (after `Fn::ForEach`).
    pub resources: HashSet<String>,
    pub mappings: Option<&'t YamlNode>,
    pub conditions: HashMap<&'t str, &'t Entry>,
    pub condition_states: HashMap<&'t str, ConditionState>,
    /// Conditions being evaluated, innermost last, to name a cycle.
    pub condition_stack: Vec<&'t str>,
    /// `Fn::ForEach` loop variables in scope, innermost last.
    pub locals: Vec<(String, Node)>,
    pub diagnostics: Vec<Diagnostic>,
    reported: HashSet<(&'static str, Position)>,
    too_deep: bool,
    stack_base: usize,
    spent: usize,
}

impl<'t> Evaluator<'t> {
    pub fn new(file: FileId, display_path: &'t str) -> Self {
        Self {
            file,
            display_path,
            parameters: HashMap::new(),
            parameter_defaults: HashMap::new(),
            resources: HashSet::new(),
            mappings: None,
            conditions: HashMap::new(),
            condition_states: HashMap::new(),
            condition_stack: Vec::new(),
            locals: Vec::new(),
            diagnostics: Vec::new(),
            reported: HashSet::new(),
            too_deep: false,
            stack_base: stack_address(),
            spent: 0,
        }
    }

    pub fn origin(&self, span: Span) -> Origin {
        Origin {
            file: self.file,
            span,
        }
    }

    // ----- diagnostics -----

    /// Records a problem once per code and place (a loop body or a shared
    /// default may be evaluated many times).
    pub fn report(&mut self, diagnostic: Diagnostic, at: Span) {
        if self.reported.insert((diagnostic.code, at.start)) {
            self.diagnostics
                .push(diagnostic.at(at.start.line, at.start.column));
        }
    }

    pub fn error(&mut self, code: &'static str, at: Span, message: impl Into<String>) {
        let diagnostic = Diagnostic::error(code, self.display_path, message);
        self.report(diagnostic, at);
    }

    pub fn warning(&mut self, code: &'static str, at: Span, message: impl Into<String>) {
        let diagnostic = Diagnostic::warning(code, self.display_path, message);
        self.report(diagnostic, at);
    }

    /// Reports a malformed function call and returns the unknown it evaluates to.
    pub fn invalid(&mut self, call: &Call<'_>, message: impl Into<String>) -> Node {
        let message = message.into();
        self.warning(
            code::INTRINSIC,
            call.span,
            format!("invalid `{}`: {message}", call.name),
        );
        self.unevaluated(format!("`{}` is invalid: {message}", call.name), call.span)
    }

    pub fn unevaluated(&self, reason: impl Into<String>, at: Span) -> Node {
        Node::unknown(
            Unknown::Unevaluated {
                reason: reason.into(),
            },
            Some(self.origin(at)),
        )
    }

    // ----- bounds -----

    /// Whether `depth` is within bounds; reports (once per template) when it
    /// is not.
    pub fn within_depth(&mut self, depth: usize, at: Span) -> bool {
        if depth <= MAX_DEPTH && stack_address().abs_diff(self.stack_base) <= MAX_STACK {
            return true;
        }
        if std::mem::replace(&mut self.too_deep, true) {
            return false;
        }
        self.error(
            code::LIMIT,
            at,
            format!(
                "functions, conditions and values nest deeper than {MAX_DEPTH} levels; the rest is not evaluated"
            ),
        );
        false
    }

    /// Spends `units` of the template's budget; `false` (reported once) when
    /// it is exhausted.
    pub fn spend(&mut self, units: usize, at: Span) -> bool {
        self.spent = self.spent.saturating_add(units);
        if self.spent <= BUDGET {
            return true;
        }
        if self.spent.saturating_sub(units) <= BUDGET {
            self.error(
                code::LIMIT,
                at,
                "the template expands to too much data (copied defaults, mappings, loops or built strings); the rest is not evaluated",
            );
        }
        false
    }

    pub fn over_budget(&self, at: Span) -> Node {
        self.unevaluated("the template expands beyond rampart's evaluation limit", at)
    }

    /// A copy of an evaluated node, paid for from the budget.
    pub fn copy(&mut self, node: &Node, at: Span) -> Node {
        if self.spend(weight(node), at) {
            node.clone()
        } else {
            self.over_budget(at)
        }
    }

    // ----- values -----

    /// Evaluates a node of the template.
    pub fn eval(&mut self, node: &'t YamlNode, depth: usize) -> Evaluated {
        if !self.within_depth(depth, node.span) {
            return Some(self.unevaluated("nested too deeply to evaluate", node.span));
        }
        if let Some(tag) = node.tag() {
            if let Some(name) = short_form(tag) {
                let call = Call {
                    name,
                    args: node,
                    short: true,
                    span: node.span,
                };
                return self.function(call, depth);
            }
            // `!!str`, `!!int` and other standard tags: the parser already
            // applied the ones that matter (`!!str` makes a string).
            if !tag.starts_with("!!") {
                self.warning(
                    code::INTRINSIC,
                    node.span,
                    format!("unknown tag `{tag}`; its value is unknown"),
                );
                return Some(
                    self.unevaluated(format!("unknown tag `{tag}` is not evaluated"), node.span),
                );
            }
        }
        self.eval_untagged(node, depth)
    }

    /// Evaluates a node as if it had no tag: the argument of a short-form
    /// function (`!Base64 text`) is the tagged node itself.
    pub fn eval_untagged(&mut self, node: &'t YamlNode, depth: usize) -> Evaluated {
        let origin = Some(self.origin(node.span));
        match &node.value {
            YamlValue::Scalar(text, style) => Some(self.scalar(node, text, *style)),
            YamlValue::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    if let Some(value) = self.eval(item, depth + 1) {
                        out.push(value);
                    }
                }
                Some(Node::new(Value::List(out.into()), origin))
            }
            YamlValue::Map(entries) => self.map(node, entries, depth),
        }
    }

    /// Evaluates a value that must be present: `AWS::NoValue` here is an error.
    pub fn value(&mut self, node: &'t YamlNode, depth: usize) -> Node {
        match self.eval(node, depth) {
            Some(value) => value,
            None => self.no_value_here(node.span),
        }
    }

    /// Like [`Evaluator::value`], for the whole argument of a call.
    pub fn whole_arg(&mut self, call: &Call<'t>, depth: usize) -> Evaluated {
        if call.short {
            self.eval_untagged(call.args, depth)
        } else {
            self.eval(call.args, depth)
        }
    }

    pub fn whole_value(&mut self, call: &Call<'t>, depth: usize) -> Node {
        match self.whole_arg(call, depth) {
            Some(value) => value,
            None => self.no_value_here(call.args.span),
        }
    }

    fn no_value_here(&mut self, at: Span) -> Node {
        self.warning(
            code::INTRINSIC,
            at,
            "`AWS::NoValue` can only stand for a property or a list item",
        );
        self.unevaluated("`AWS::NoValue` used where a value is required", at)
    }

    fn scalar(&self, node: &YamlNode, text: &str, style: ScalarStyle) -> Node {
        let origin = Some(self.origin(node.span));
        if style == ScalarStyle::Plain {
            if node.is_null() {
                return Node::new(Value::Null, origin);
            }
            // CloudFormation reads YAML 1.1: `yes` and `on` are booleans.
            if let Some(b) = node.as_bool() {
                return Node::new(Value::Bool(b), origin);
            }
            if let Some(n) = text::canonical_number(text) {
                return Node::new(Value::Number(n), origin);
            }
        }
        self.string(text.to_owned(), origin)
    }

    /// A string value. A dynamic reference (`{{resolve:secretsmanager:…}}`)
    /// is replaced at deployment, so a string holding one is unknown.
    pub fn string(&self, text: String, origin: Option<Origin>) -> Node {
        match dynamic_reference(&text) {
            Some(reference) => Node::unknown(
                Unknown::Unevaluated {
                    reason: format!("dynamic reference `{reference}` is resolved at deployment"),
                },
                origin,
            ),
            None => Node::new(Value::String(text.into()), origin),
        }
    }

    fn map(&mut self, node: &'t YamlNode, entries: &'t [Entry], depth: usize) -> Evaluated {
        if let [entry] = entries
            && let Some(name) = entry.key.as_str().and_then(long_form)
        {
            let call = Call {
                name,
                args: &entry.value,
                short: false,
                span: node.span,
            };
            return self.function(call, depth);
        }
        if let Some(entry) = entries
            .iter()
            .find(|e| e.key.as_str() == Some("Fn::Transform"))
        {
            let name = entry
                .value
                .get("Name")
                .and_then(YamlNode::as_str)
                .unwrap_or("?");
            return Some(self.unevaluated(
                format!("macro `{name}` (`Fn::Transform`) rewrites this value at deployment"),
                node.span,
            ));
        }

        let mut out: Vec<(rampart_iac::CompactString, Node)> = Vec::with_capacity(entries.len());
        // Only a loop can repeat a key (the parser already resolved written
        // duplicates); the last one wins.
        let has_loops = entries.iter().any(|e| {
            e.key
                .as_str()
                .is_some_and(|k| k.starts_with("Fn::ForEach::"))
        });
        let mut positions: HashMap<String, usize> = HashMap::new();
        for expansion in self.expand_entries(entries, &[], depth) {
            match expansion {
                Expansion::Entry(entry) => {
                    let value =
                        self.with_locals(&entry.locals, |ev| ev.eval(entry.value, depth + 1));
                    let Some(value) = value else { continue };
                    if !has_loops {
                        out.push((entry.key.into(), value));
                    } else if let Some(slot) =
                        positions.get(&entry.key).and_then(|&i| out.get_mut(i))
                    {
                        slot.1 = value;
                    } else {
                        positions.insert(entry.key.clone(), out.len());
                        out.push((entry.key.into(), value));
                    }
                }
                // The loop's entries are not known, so neither is the map: a
                // rule must not read a property it creates as missing.
                Expansion::Unexpanded { unknown, .. } => {
                    return Some(Node::unknown(unknown, Some(self.origin(node.span))));
                }
            }
        }
        Some(Node::new(
            Value::Map(out.into()),
            Some(self.origin(node.span)),
        ))
    }

    /// Runs `f` with loop variables in scope.
    pub fn with_locals<R>(
        &mut self,
        locals: &[(String, Node)],
        f: impl FnOnce(&mut Self) -> R,
    ) -> R {
        let before = self.locals.len();
        self.locals.extend(locals.iter().cloned());
        let result = f(self);
        self.locals.truncate(before);
        result
    }

    /// The text of a map key, or `None` (reported) for a key that is not a scalar.
    pub fn key_text(&mut self, key: &'t YamlNode) -> Option<&'t str> {
        match &key.value {
            YamlValue::Scalar(text, _) => Some(text),
            _ => {
                self.warning(
                    code::STRUCTURE,
                    key.span,
                    "a mapping key that is not a plain string is ignored",
                );
                None
            }
        }
    }

    /// The entries of a map with `Fn::ForEach::Name` loops expanded.
    pub fn expand_entries(
        &mut self,
        entries: &'t [Entry],
        loop_locals: &[(String, Node)],
        depth: usize,
    ) -> Vec<Expansion<'t>> {
        let mut out = Vec::with_capacity(entries.len());
        self.expand_into(entries, loop_locals, depth, &mut out);
        out
    }

    fn expand_into(
        &mut self,
        entries: &'t [Entry],
        loop_locals: &[(String, Node)],
        depth: usize,
        out: &mut Vec<Expansion<'t>>,
    ) {
        for entry in entries {
            let Some(raw_key) = self.key_text(&entry.key) else {
                continue;
            };
            let Some(loop_name) = raw_key.strip_prefix("Fn::ForEach::") else {
                let key = if loop_locals.is_empty() {
                    raw_key.to_owned()
                } else {
                    self.substitute_key(raw_key, loop_locals)
                };
                out.push(Expansion::Entry(ExpandedEntry {
                    key,
                    key_node: &entry.key,
                    value: &entry.value,
                    locals: loop_locals.to_vec(),
                }));
                continue;
            };
            if !self.within_depth(depth, entry.key.span) {
                continue;
            }
            match self.for_each(loop_name, entry, loop_locals, depth) {
                Ok(iterations) => {
                    for (locals, template) in iterations {
                        self.expand_into(template.entries(), &locals, depth + 1, out);
                    }
                }
                Err((unknown, reported)) => out.push(Expansion::Unexpanded {
                    key_node: &entry.key,
                    unknown,
                    reported,
                }),
            }
        }
    }

    /// The iterations of `Fn::ForEach::Name: [Identifier, Collection, Template]`:
    /// for each item, the loop variables and the template.
    #[allow(clippy::type_complexity)]
    fn for_each(
        &mut self,
        loop_name: &str,
        entry: &'t Entry,
        loop_locals: &[(String, Node)],
        depth: usize,
    ) -> Result<Vec<(Vec<(String, Node)>, &'t YamlNode)>, (Unknown, bool)> {
        let span = entry.key.span;
        let malformed = |ev: &mut Self, message: &str| {
            ev.warning(
                code::INTRINSIC,
                span,
                format!("invalid `Fn::ForEach::{loop_name}`: {message}"),
            );
            let unknown = Unknown::Unevaluated {
                reason: format!("`Fn::ForEach::{loop_name}` is invalid: {message}"),
            };
            (unknown, true)
        };
        let unknown_collection = |why: String| {
            let unknown = Unknown::Unevaluated {
                reason: format!(
                    "the collection of `Fn::ForEach::{loop_name}` cannot be known: {why}"
                ),
            };
            (unknown, false)
        };
        let [identifier, collection, template] = entry.value.items() else {
            return Err(malformed(
                self,
                "expected [Identifier, Collection, OutputTemplate]",
            ));
        };
        let Some(identifier) = identifier.as_str().filter(|_| identifier.tag.is_none()) else {
            return Err(malformed(self, "the identifier must be a string"));
        };
        if !template.is_map() {
            return Err(malformed(self, "the output template must be a mapping"));
        }
        let collection = self.with_locals(loop_locals, |ev| ev.value(collection, depth + 1));
        let items = match &collection.value {
            Value::List(items) => items,
            Value::Unknown(unknown) => {
                return Err(unknown_collection(crate::unknowns::clause(unknown)));
            }
            _ => return Err(malformed(self, "the collection must be a list")),
        };
        let mut iterations = Vec::with_capacity(items.len());
        for item in items {
            let text = match (&item.value, text::scalar_text(item)) {
                (_, Some(text)) => text,
                (Value::Unknown(unknown), _) => {
                    return Err(unknown_collection(crate::unknowns::clause(unknown)));
                }
                _ => return Err(malformed(self, "the collection must hold strings")),
            };
            if !self.spend(template.count(), span) {
                let unknown = Unknown::Unevaluated {
                    reason: "the template expands beyond rampart's evaluation limit".to_owned(),
                };
                return Err((unknown, true));
            }
            let mut locals = loop_locals.to_vec();
            locals.push((
                identifier.to_owned(),
                Node::new(Value::String(text.into()), item.origin),
            ));
            iterations.push((locals, template));
        }
        Ok(iterations)
    }

    /// `${Identifier}` and `&{Identifier}` in an `Fn::ForEach` output key.
    fn substitute_key(&self, key: &str, loop_locals: &[(String, Node)]) -> String {
        let mut key = key.to_owned();
        for (name, value) in loop_locals.iter().chain(self.locals.iter()).rev() {
            let Some(value) = text::scalar_text(value) else {
                continue;
            };
            key = key
                .replace(&format!("${{{name}}}"), &value)
                .replace(&format!("&{{{name}}}"), &alphanumeric(&value));
        }
        key
    }

    /// The value of a loop variable in scope.
    pub fn local(&self, name: &str) -> Option<&Node> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// The function a short-form tag stands for.
fn short_form(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "!Ref" => "Ref",
        "!Condition" => "Condition",
        "!GetAtt" => "Fn::GetAtt",
        "!Sub" => "Fn::Sub",
        "!If" => "Fn::If",
        "!Join" => "Fn::Join",
        "!Select" => "Fn::Select",
        "!Split" => "Fn::Split",
        "!FindInMap" => "Fn::FindInMap",
        "!Base64" => "Fn::Base64",
        "!Cidr" => "Fn::Cidr",
        "!GetAZs" => "Fn::GetAZs",
        "!ImportValue" => "Fn::ImportValue",
        "!Equals" => "Fn::Equals",
        "!And" => "Fn::And",
        "!Or" => "Fn::Or",
        "!Not" => "Fn::Not",
        "!Length" => "Fn::Length",
        "!ToJsonString" => "Fn::ToJsonString",
        "!Transform" => "Fn::Transform",
        _ => return None,
    })
}

/// The function a single-key map (`{"Fn::Join": …}`) stands for. `Condition`
/// is a function only where a condition is expected (see `conditions.rs`);
/// elsewhere it is an ordinary key (an IAM statement's `Condition`).
fn long_form(key: &str) -> Option<&str> {
    (key == "Ref" || key.starts_with("Fn::") && !key.starts_with("Fn::ForEach::")).then_some(key)
}

/// `{{resolve:service:…}}` in a string.
fn dynamic_reference(text: &str) -> Option<&str> {
    // Every string of every template is asked, and almost none holds one:
    // `contains` has a vectorised search for short needles that `find`
    // lacks (it builds a searcher for each call).
    if !text.contains("{{resolve:") {
        return None;
    }
    let start = text.find("{{resolve:")?;
    let rest = &text[start..];
    Some(rest.find("}}").map_or(rest, |end| &rest[..end + 2]))
}

/// What copying a node costs: one unit per node and per string byte.
pub(crate) fn weight(node: &Node) -> usize {
    match &node.value {
        Value::String(text) => 1 + text.len(),
        Value::List(items) => 1 + items.iter().map(weight).sum::<usize>(),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| k.len() + weight(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamic_references_are_found() {
        assert_eq!(
            dynamic_reference("{{resolve:secretsmanager:Db:SecretString:password}}"),
            Some("{{resolve:secretsmanager:Db:SecretString:password}}")
        );
        assert_eq!(
            dynamic_reference("x-{{resolve:ssm:/a/b}}-y"),
            Some("{{resolve:ssm:/a/b}}")
        );
        assert_eq!(dynamic_reference("{{resolve:ssm"), Some("{{resolve:ssm"));
        assert_eq!(dynamic_reference("{{other}}"), None);
    }
}
