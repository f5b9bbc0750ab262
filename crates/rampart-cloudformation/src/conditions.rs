//! `Conditions`: `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` and
//! `Condition`, evaluated over known values with three-valued logic.

use rampart_iac::{Node, Value};
use rampart_source::Span;

use crate::eval::{Call, Evaluator, YamlNode, code};
use crate::text::scalar_text;
use crate::unknowns::{clause, first_unknown};

/// Whether a condition holds, or why that cannot be known.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Truth {
    Known(bool),
    /// A clause saying why (`parameter `Env` has no default`).
    Unknown(String),
}

pub(crate) enum ConditionState {
    /// Being evaluated: meeting it again is a cycle.
    Evaluating,
    Done(Truth),
}

/// The functions that make conditions.
const TRUTH_FUNCTIONS: &[&str] = &["Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition"];

/// `Fn::And` and `Fn::Or` take 2 to 10 conditions.
const MAX_OPERANDS: usize = 10;

impl<'t> Evaluator<'t> {
    /// Evaluates every declared condition once, so that a broken or cyclic
    /// condition is reported even when nothing uses it.
    pub fn evaluate_conditions(&mut self) {
        let mut declared: Vec<(&'t str, Span)> = self
            .conditions
            .iter()
            .map(|(name, entry)| (*name, entry.key.span))
            .collect();
        declared.sort_by_key(|(_, span)| *span);
        for (name, span) in declared {
            self.condition(name, span, 0);
        }
    }

    /// The named condition, evaluated once.
    pub fn condition(&mut self, name: &str, at: Span, depth: usize) -> Truth {
        match self.condition_states.get(name) {
            Some(ConditionState::Done(truth)) => return truth.clone(),
            Some(ConditionState::Evaluating) => return self.cycle(name),
            None => {}
        }
        let Some((&key, &entry)) = self.conditions.get_key_value(name) else {
            self.warning(
                code::UNDEFINED,
                at,
                format!("there is no condition `{name}` in `Conditions`"),
            );
            return Truth::Unknown(format!("there is no condition `{name}`"));
        };
        if !self.within_depth(depth, at) {
            return Truth::Unknown("conditions nest too deeply to evaluate".to_owned());
        }
        self.condition_states
            .insert(key, ConditionState::Evaluating);
        self.condition_stack.push(key);
        let truth = self.condition_expr(&entry.value, depth + 1);
        self.condition_stack.pop();
        self.condition_states
            .insert(key, ConditionState::Done(truth.clone()));
        truth
    }

    fn cycle(&mut self, name: &str) -> Truth {
        let start = self
            .condition_stack
            .iter()
            .position(|n| *n == name)
            .unwrap_or(0);
        let path: Vec<String> = self
            .condition_stack
            .get(start..)
            .unwrap_or_default()
            .iter()
            .copied()
            .chain(std::iter::once(name))
            .map(|n| format!("`{n}`"))
            .collect();
        let path = path.join(" → ");
        if let Some(at) = self.conditions.get(name).map(|e| e.key.span) {
            self.warning(
                code::CONDITION_CYCLE,
                at,
                format!("conditions refer to each other ({path}); they are unknown"),
            );
        }
        Truth::Unknown(format!("conditions {path} refer to each other"))
    }

    /// A condition: a condition function, or a value that must be a boolean.
    pub fn condition_expr(&mut self, node: &'t YamlNode, depth: usize) -> Truth {
        if !self.within_depth(depth, node.span) {
            return Truth::Unknown("conditions nest too deeply to evaluate".to_owned());
        }
        let short = node.tag().and_then(|tag| {
            let name = tag.strip_prefix('!')?;
            TRUTH_FUNCTIONS
                .iter()
                .copied()
                .find(|f| f.strip_prefix("Fn::").unwrap_or(f) == name)
        });
        if let Some(name) = short {
            let call = Call {
                name,
                args: node,
                short: true,
                span: node.span,
            };
            return self.truth(call, depth);
        }
        if let [entry] = node.entries()
            && node.tag.is_none()
            && let Some(name) = entry.key.as_str()
            && TRUTH_FUNCTIONS.contains(&name)
        {
            let call = Call {
                name,
                args: &entry.value,
                short: false,
                span: node.span,
            };
            return self.truth(call, depth);
        }
        let value = self.value(node, depth + 1);
        self.truth_of(&value, node.span)
    }

    fn truth_of(&mut self, value: &Node, at: Span) -> Truth {
        if let Some(unknown) = value.unknown_value() {
            return Truth::Unknown(clause(unknown));
        }
        match value.as_bool() {
            Some(b) => Truth::Known(b),
            None => {
                self.warning(
                    code::INTRINSIC,
                    at,
                    format!(
                        "expected a condition (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`), found {}",
                        value.describe()
                    ),
                );
                Truth::Unknown("the condition is not a condition function".to_owned())
            }
        }
    }

    fn invalid_truth(&mut self, call: &Call<'_>, message: &str) -> Truth {
        let node = self.invalid(call, message);
        match node.unknown_value() {
            Some(unknown) => Truth::Unknown(clause(unknown)),
            None => Truth::Unknown(message.to_owned()),
        }
    }

    /// `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` or `Condition`.
    pub fn truth(&mut self, call: Call<'t>, depth: usize) -> Truth {
        if !self.within_depth(depth, call.span) {
            return Truth::Unknown("conditions nest too deeply to evaluate".to_owned());
        }
        match call.name {
            "Fn::Equals" => {
                let Some([a, b]) = call.items() else {
                    return self.invalid_truth(&call, "expected [Value, Value]");
                };
                let a = self.value(a, depth + 1);
                let b = self.value(b, depth + 1);
                match first_unknown(&a).or_else(|| first_unknown(&b)) {
                    Some(unknown) => Truth::Unknown(clause(unknown)),
                    None => Truth::Known(same(&a, &b)),
                }
            }
            "Fn::And" | "Fn::Or" => {
                let Some(items) = call.items().filter(|items| !items.is_empty()) else {
                    return self.invalid_truth(&call, "expected a list of conditions");
                };
                if items.len() < 2 || items.len() > MAX_OPERANDS {
                    self.warning(
                        code::INTRINSIC,
                        call.span,
                        format!(
                            "`{}` takes 2 to {MAX_OPERANDS} conditions, not {}",
                            call.name,
                            items.len()
                        ),
                    );
                }
                // One false decides `Fn::And`, one true decides `Fn::Or`,
                // whatever the unknown ones turn out to be.
                let deciding = call.name == "Fn::Or";
                let mut decided = false;
                let mut unknown = None;
                for item in items {
                    match self.condition_expr(item, depth + 1) {
                        Truth::Known(b) if b == deciding => decided = true,
                        Truth::Known(_) => {}
                        Truth::Unknown(why) => {
                            unknown.get_or_insert(why);
                        }
                    }
                }
                match (decided, unknown) {
                    (true, _) => Truth::Known(deciding),
                    (false, Some(why)) => Truth::Unknown(why),
                    (false, None) => Truth::Known(!deciding),
                }
            }
            "Fn::Not" => {
                let Some([item]) = call.items() else {
                    return self.invalid_truth(&call, "expected [Condition]");
                };
                match self.condition_expr(item, depth + 1) {
                    Truth::Known(b) => Truth::Known(!b),
                    unknown => unknown,
                }
            }
            "Condition" => match call.text() {
                Some(name) => self.condition(name, call.span, depth + 1),
                None => self.invalid_truth(&call, "expected the name of a condition"),
            },
            _ => self.invalid_truth(&call, "not a condition function"),
        }
    }

    /// A condition function used as a value (`Enabled: !Equals [...]`).
    pub fn truth_value(&mut self, call: Call<'t>, depth: usize) -> Node {
        match self.truth(call, depth) {
            Truth::Known(b) => Node::new(Value::Bool(b), Some(self.origin(call.span))),
            Truth::Unknown(why) => self.unevaluated(why, call.span),
        }
    }
}

/// `Fn::Equals`: CloudFormation compares values as strings (`443` equals
/// `"443"`), lists item by item.
fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        (Value::Null, Value::Null) => true,
        _ => match (scalar_text(a), scalar_text(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}
