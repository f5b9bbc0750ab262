//! Expression evaluation: the part of Terraform's language that decides values.
//!
//! Every value keeps the origin of the literal it came from, through variables,
//! locals, module inputs and outputs, so that a finding points at the line a user
//! must change. What cannot be known before `apply` becomes an explicit unknown;
//! an expression Terraform would reject becomes an [`EvalError`], which `try`
//! and `can` catch and which otherwise turns into an unknown with its reason.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use compact_str::{CompactString, ToCompactString, format_compact};
use foldhash::HashMap;
use rampart_iac::{Node, Origin, Unknown, Value};
use rampart_source::Diagnostic;

use crate::config::{ModuleConfig, ResourceDecl, TfFile};
use crate::functions;
use crate::syntax::{
    BinaryOperator, Block, Body, Element, ExprKind, Expression, ForExpr, ObjectKey, Structure,
    Template, Traversal, TraversalOperator, UnaryOperator,
};

/// Deepest expression nesting evaluated (locals referring to locals count too).
const MAX_DEPTH: usize = 64;
/// Largest collection a `for`, `range` or expansion may produce.
pub(crate) const MAX_ITEMS: usize = 10_000;
/// Values one root module's evaluation may build in all (`for` iterations,
/// `range`, splats, function results): a realistic root builds a few
/// thousand; nested loops over large ranges would take minutes and gigabytes.
pub(crate) const BUDGET: usize = 1_000_000;

/// What one root module's evaluation has built so far, against [`BUDGET`].
pub(crate) struct Budget {
    limit: usize,
    spent: Cell<usize>,
    /// The warning for the first expression past the budget.
    note: RefCell<Option<Diagnostic>>,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            limit: BUDGET,
            spent: Cell::new(0),
            note: RefCell::default(),
        }
    }
}

impl Budget {
    pub fn exceeded(&self) -> bool {
        self.spent.get() > self.limit
    }

    /// The warning, once, when the budget was exceeded.
    pub fn take_note(&self) -> Option<Diagnostic> {
        self.note.borrow_mut().take()
    }

    fn reason(&self) -> String {
        format!(
            "evaluation budget exceeded (this root module builds more than {} values in `for` expressions, `range`, splats and function results)",
            self.limit
        )
    }
}

/// An expression Terraform would reject, or one rampart cannot evaluate.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalError(pub String);

pub type Eval = Result<Node, EvalError>;

pub(crate) fn error<T>(message: impl Into<String>) -> Result<T, EvalError> {
    Err(EvalError(message.into()))
}

/// One module instance: the root module, or one call of a child module.
pub(crate) struct Instance<'a> {
    pub config: &'a ModuleConfig<'a>,
    /// `module.vpc`, `module.vpc[0]`, empty for the root.
    pub address: String,
    /// Input variables, evaluated where they were set.
    pub vars: HashMap<String, Node>,
    /// Module nesting depth (bounds module recursion).
    pub depth: usize,
    /// The instance that calls this one (`None` for the root).
    pub parent: Option<Rc<Instance<'a>>>,
    /// The call's `providers = { aws = aws.critical }`: the name in this
    /// module, the name in the parent.
    pub providers: Vec<(String, String)>,
    locals: RefCell<HashMap<String, Node>>,
    /// What is being evaluated right now, innermost last, to break
    /// reference cycles. A list, not a set: evaluations nest a few deep, and
    /// a reference was evaluated far more often than a cycle was looked for
    /// in more than a handful of keys (hashing and copying each key was
    /// most of what a guard cost).
    active: RefCell<Vec<String>>,
}

impl<'a> Instance<'a> {
    pub fn new(
        config: &'a ModuleConfig<'a>,
        address: String,
        vars: HashMap<String, Node>,
        depth: usize,
    ) -> Self {
        Self {
            config,
            address,
            vars,
            depth,
            parent: None,
            providers: Vec::new(),
            locals: RefCell::default(),
            active: RefCell::default(),
        }
    }

    /// The address of `parts` written one after the other in this instance:
    /// `module.vpc.aws_subnet.agents` for `["aws_subnet", ".", "agents"]`.
    /// Built in one allocation of the right size, since addresses are made
    /// for every resource and every reference to one.
    pub fn address_of(&self, parts: &[&str]) -> String {
        let separator = usize::from(!self.address.is_empty());
        let length = parts.iter().map(|part| part.len()).sum::<usize>();
        let mut address = String::with_capacity(self.address.len() + separator + length);
        if separator == 1 {
            address.push_str(&self.address);
            address.push('.');
        }
        for part in parts {
            address.push_str(part);
        }
        address
    }

    /// Runs `f` unless `key` is already being evaluated (a cycle).
    fn guarded<T>(
        &self,
        key: String,
        f: impl FnOnce() -> Result<T, EvalError>,
    ) -> Result<T, EvalError> {
        if self.active.borrow().contains(&key) {
            return error(format!("`{key}` refers to itself"));
        }
        let depth = {
            let mut active = self.active.borrow_mut();
            active.push(key);
            active.len() - 1
        };
        let result = f();
        // Guards nest: this key and any left above it by an inner guard.
        self.active.borrow_mut().truncate(depth);
        result
    }
}

/// What an evaluation can reach beyond its own module instance.
pub(crate) trait Modules<'a> {
    /// The instance of the child module called `name`: `key` is the instance's
    /// `count.index` or `each.key` with its `each.value` (`None` without
    /// `count`/`for_each`). Created on first use.
    fn child(
        &self,
        parent: &Rc<Instance<'a>>,
        name: &str,
        key: Option<(&Node, &Node)>,
        for_each: bool,
    ) -> Result<Rc<Instance<'a>>, EvalError>;
    /// The instance keys and values of a child module call (`None` when it has
    /// neither `count` nor `for_each`).
    #[allow(clippy::type_complexity)]
    fn child_instances(
        &self,
        parent: &Rc<Instance<'a>>,
        name: &str,
    ) -> Result<Option<Vec<(Node, Node)>>, EvalError>;
    /// The evaluation budget of the root module being evaluated.
    fn budget(&self) -> &Budget;
}

/// Where an expression is evaluated.
#[derive(Clone)]
pub(crate) struct Scope<'s, 'a> {
    pub modules: &'s dyn Modules<'a>,
    pub instance: Rc<Instance<'a>>,
    pub file: TfFile<'a>,
    /// `count.index`, `each.key`, `each.value`, `for` variables, `dynamic`
    /// iterators; the last binding of a name wins.
    pub bindings: Vec<(String, Node)>,
    pub depth: usize,
}

/// A map being evaluated. A key's repeated blocks (`ingress { … }`), or a
/// grouping `for`'s items, are gathered in a `Vec` and boxed once the map is
/// done: an evaluated list is a boxed slice, which cannot grow.
#[derive(Default)]
struct MapBuilder {
    entries: Vec<(CompactString, Entry)>,
}

enum Entry {
    Value(Node),
    /// A list still growing, and where it was written.
    Items(Vec<Node>, Option<Origin>),
}

impl Entry {
    /// The list this entry holds, made growable (a list written as a value
    /// keeps its origin); `None` when the entry is not a list.
    fn items_mut(&mut self) -> Option<&mut Vec<Node>> {
        if let Entry::Value(Node {
            value: Value::List(items),
            origin,
        }) = self
        {
            let items = std::mem::take(items).into_vec();
            *self = Entry::Items(items, *origin);
        }
        match self {
            Entry::Items(items, _) => Some(items),
            Entry::Value(_) => None,
        }
    }
}

impl MapBuilder {
    fn contains(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k == key)
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn remove(&mut self, key: &str) {
        self.entries.retain(|(k, _)| k != key);
    }

    fn insert(&mut self, key: CompactString, value: Node) {
        self.entries.push((key, Entry::Value(value)));
    }

    /// Adds `item` to the list of the first entry named `key` when that
    /// entry is a list, and otherwise starts a list of one, written at
    /// `origin`, under a new entry (even beside an entry of that name that
    /// is not a list, as Terraform's own reading of such a body would fail).
    fn push_item(&mut self, key: &str, item: Node, origin: Option<Origin>) {
        let first = self.entries.iter_mut().find(|(k, _)| k.as_str() == key);
        match first.and_then(|(_, entry)| entry.items_mut()) {
            Some(items) => items.push(item),
            None => (self.entries).push((key.into(), Entry::Items(vec![item], origin))),
        }
    }

    fn finish(self) -> rampart_iac::Map {
        self.entries
            .into_iter()
            .map(|(key, entry)| match entry {
                Entry::Value(node) => (key, node),
                Entry::Items(items, origin) => (key, Node::new(Value::List(items.into()), origin)),
            })
            .collect()
    }
}

fn node(value: Value, origin: Origin) -> Node {
    Node::at(value, origin)
}

fn unevaluated(reason: impl Into<String>, origin: Origin) -> Node {
    Node::unknown(
        Unknown::Unevaluated {
            reason: reason.into(),
        },
        Some(origin),
    )
}

/// A string as Terraform interpolates a value.
pub(crate) fn to_text(value: &Node) -> Result<Option<CompactString>, EvalError> {
    Ok(Some(match &value.value {
        Value::String(text) => text.clone(),
        Value::Number(n) => number_text(*n),
        Value::Bool(b) => b.to_compact_string(),
        Value::Unknown(_) => return Ok(None),
        Value::Null => return error("a null value cannot be used in a string"),
        Value::List(_) | Value::Map(_) => return error("a collection cannot be used in a string"),
    }))
}

pub(crate) fn number_text(n: f64) -> CompactString {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        (n as i64).to_compact_string()
    } else {
        // `Display`, as Terraform writes numbers (`0.000001`, `1e16` in
        // full): compact_str's own float formatting writes exponents.
        format_compact!("{n}")
    }
}

/// Values equal as Terraform compares them (origins do not matter).
pub(crate) fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && same(v, v2)))
        }
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::String(x), Value::Number(y)) | (Value::Number(y), Value::String(x)) => {
            x.parse::<f64>().is_ok_and(|x| x == *y)
        }
        (x, y) => x == y,
    }
}

impl<'s, 'a> Scope<'s, 'a> {
    pub fn origin(&self, range: Option<std::ops::Range<usize>>) -> Origin {
        self.file.origin(range)
    }

    fn bound(&self, name: &str) -> Option<&Node> {
        self.bindings
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    pub fn with(&self, name: impl Into<String>, value: Node) -> Self {
        let mut scope = self.clone();
        scope.bindings.push((name.into(), value));
        scope
    }

    /// Counts `n` values built against the root module's budget: past it, the
    /// unknown the expression becomes (and a warning, once per root).
    fn spend(&self, n: usize, origin: Origin) -> Option<Node> {
        let budget = self.modules.budget();
        let spent = budget.spent.get().saturating_add(n);
        budget.spent.set(spent);
        if spent <= budget.limit {
            return None;
        }
        let reason = budget.reason();
        let mut note = budget.note.borrow_mut();
        if note.is_none() && budget.spent.get().saturating_sub(n) <= budget.limit {
            *note = Some(
                Diagnostic::warning(
                    "terraform-budget",
                    self.file.source.display_path.clone(),
                    format!(
                        "{reason}: this expression, and those evaluated after it that build values, are unknown"
                    ),
                )
                .at(origin.span.start.line, origin.span.start.column),
            );
        }
        Some(unevaluated(reason, origin))
    }

    fn deeper(&self) -> Result<Self, EvalError> {
        if self.depth >= MAX_DEPTH {
            return error("expression nests too deeply to evaluate");
        }
        let mut scope = self.clone();
        scope.depth += 1;
        Ok(scope)
    }

    /// Evaluates an expression. A result without an origin gets the expression's.
    pub fn expr(&self, expression: &Expression) -> Eval {
        let origin = self.origin(expression.span());
        let mut result = self.expr_inner(expression, origin)?;
        if result.origin.is_none() {
            result.origin = Some(origin);
        }
        Ok(result)
    }

    fn expr_inner(&self, expression: &Expression, origin: Origin) -> Eval {
        Ok(match &expression.kind {
            ExprKind::Null => node(Value::Null, origin),
            ExprKind::Bool(b) => node(Value::Bool(*b), origin),
            ExprKind::Number(n) => match n.as_f64() {
                Some(n) => node(Value::Number(n), origin),
                None => return error("a number out of range"),
            },
            ExprKind::String(text) => node(Value::String(CompactString::from(&**text)), origin),
            ExprKind::Array(array) => {
                let scope = self.deeper()?;
                let items = array
                    .iter()
                    .map(|e| scope.expr(e))
                    .collect::<Result<Vec<_>, _>>()?;
                node(Value::List(items.into()), origin)
            }
            ExprKind::Object(object) => {
                let scope = self.deeper()?;
                let mut entries: Vec<(CompactString, Node)> = Vec::new();
                for (key, value) in object.iter() {
                    let key = match key {
                        ObjectKey::Ident(ident) => CompactString::from(&**ident),
                        ObjectKey::Expression(e) => match to_text(&scope.expr(e)?)? {
                            Some(text) => text,
                            None => {
                                return Ok(unevaluated(
                                    "an object key is known only after apply",
                                    origin,
                                ));
                            }
                        },
                    };
                    let value = scope.expr(value)?;
                    entries.retain(|(k, _)| *k != key);
                    entries.push((key, value));
                }
                node(Value::Map(entries.into()), origin)
            }
            ExprKind::Template(template) => self.deeper()?.template(template, origin)?,
            ExprKind::Parenthesis(inner) => self.expr(inner)?,
            ExprKind::Variable(ident) => self.variable(ident, &[], origin)?,
            ExprKind::Traversal(traversal) => self.deeper()?.traversal(traversal, origin)?,
            ExprKind::Conditional(conditional) => {
                let scope = self.deeper()?;
                let condition = scope.expr(&conditional.cond_expr)?;
                match condition.as_bool() {
                    Some(true) => scope.expr(&conditional.true_expr)?,
                    Some(false) => scope.expr(&conditional.false_expr)?,
                    None if condition.is_unknown() => {
                        unevaluated(format!("the condition {}", depends_on(&condition)), origin)
                    }
                    None => return error("a condition must be a boolean"),
                }
            }
            ExprKind::FuncCall(call) => {
                let scope = self.deeper()?;
                let name = &*call.name;
                if call.namespaced {
                    // `provider::aws::arn_parse(…)`: provider functions are not evaluated.
                    return Ok(unevaluated(
                        format!("provider function `{name}` is not evaluated"),
                        origin,
                    ));
                }
                match name {
                    "try" => return scope.try_call(call.args.iter(), origin),
                    "can" => {
                        let Some(argument) = call.args.iter().next() else {
                            return error("can() needs one argument");
                        };
                        return Ok(match scope.expr(argument) {
                            Ok(value) if value.contains_unknown() => {
                                unevaluated("can() of a value known only after apply", origin)
                            }
                            Ok(_) => node(Value::Bool(true), origin),
                            Err(_) => node(Value::Bool(false), origin),
                        });
                    }
                    _ => {}
                }
                let args = call
                    .args
                    .iter()
                    .map(|a| scope.expr(a))
                    .collect::<Result<Vec<_>, _>>()?;
                // An argument expanded with `...` spreads a list into the arguments.
                let args = if call.expand_final {
                    let mut args = args;
                    match args.pop() {
                        Some(last) if matches!(last.value, Value::List(_)) => {
                            args.extend(last.items().iter().cloned());
                            args
                        }
                        Some(last) if last.is_unknown() => {
                            return Ok(unevaluated(
                                "expanded arguments known only after apply",
                                origin,
                            ));
                        }
                        _ => return error("only a list can be expanded with `...`"),
                    }
                } else {
                    args
                };
                let result = functions::call(name, args, origin)?;
                let built = result.items().len() + result.entries().len();
                if let Some(unknown) = scope.spend(built.max(1), origin) {
                    return Ok(unknown);
                }
                result
            }
            ExprKind::UnaryOp(op) => {
                let value = self.deeper()?.expr(&op.expr)?;
                if value.is_unknown() {
                    return Ok(Node::new(value.value, Some(origin)));
                }
                match op.operator {
                    UnaryOperator::Neg => match value.as_f64() {
                        Some(n) => node(Value::Number(-n), origin),
                        None => return error("`-` needs a number"),
                    },
                    UnaryOperator::Not => match value.as_bool() {
                        Some(b) => node(Value::Bool(!b), origin),
                        None => return error("`!` needs a boolean"),
                    },
                }
            }
            ExprKind::BinaryOp(op) => {
                let scope = self.deeper()?;
                scope.binary(op.operator, &op.lhs_expr, &op.rhs_expr, origin)?
            }
            ExprKind::ForExpr(for_expr) => self.deeper()?.for_expr(for_expr, origin)?,
        })
    }

    fn try_call<'e>(&self, args: impl Iterator<Item = &'e Expression>, origin: Origin) -> Eval {
        for argument in args {
            match self.expr(argument) {
                // A reference is what Terraform's value will be once known: the
                // argument that succeeds is that resource's attribute, and
                // linking resources needs the reference itself.
                Ok(value) if value.contains_unknown() && !only_references(&value) => {
                    return Ok(unevaluated(
                        "try() of a value known only after apply",
                        origin,
                    ));
                }
                Ok(value) => return Ok(value),
                Err(_) => continue,
            }
        }
        error("no argument of try() could be evaluated")
    }

    fn binary(
        &self,
        operator: BinaryOperator,
        lhs: &Expression,
        rhs: &Expression,
        origin: Origin,
    ) -> Eval {
        use BinaryOperator as Op;
        let left = self.expr(lhs)?;
        // `&&` and `||` decide on a known left side alone.
        match (operator, left.as_bool()) {
            (Op::And, Some(false)) => return Ok(node(Value::Bool(false), origin)),
            (Op::Or, Some(true)) => return Ok(node(Value::Bool(true), origin)),
            _ => {}
        }
        let right = self.expr(rhs)?;
        if left.is_unknown() || right.is_unknown() {
            // Unless the known side decides a logical operator.
            match (operator, right.as_bool()) {
                (Op::And, Some(false)) => return Ok(node(Value::Bool(false), origin)),
                (Op::Or, Some(true)) => return Ok(node(Value::Bool(true), origin)),
                _ => {}
            }
            let unknown = if left.is_unknown() { &left } else { &right };
            return Ok(unevaluated(depends_on(unknown), origin));
        }
        let numbers = || match (left.as_f64(), right.as_f64()) {
            (Some(a), Some(b)) => Ok((a, b)),
            _ => error(format!("`{}` needs numbers", operator.as_str())),
        };
        let bools = || match (left.as_bool(), right.as_bool()) {
            (Some(a), Some(b)) => Ok((a, b)),
            _ => error(format!("`{}` needs booleans", operator.as_str())),
        };
        let value = match operator {
            Op::Eq => Value::Bool(same(&left, &right)),
            Op::NotEq => Value::Bool(!same(&left, &right)),
            Op::Less => numbers().map(|(a, b)| Value::Bool(a < b))?,
            Op::LessEq => numbers().map(|(a, b)| Value::Bool(a <= b))?,
            Op::Greater => numbers().map(|(a, b)| Value::Bool(a > b))?,
            Op::GreaterEq => numbers().map(|(a, b)| Value::Bool(a >= b))?,
            Op::Plus => numbers().map(|(a, b)| Value::Number(a + b))?,
            Op::Minus => numbers().map(|(a, b)| Value::Number(a - b))?,
            Op::Mul => numbers().map(|(a, b)| Value::Number(a * b))?,
            Op::Div => match numbers()? {
                (_, 0.0) => return error("division by zero"),
                (a, b) => Value::Number(a / b),
            },
            Op::Mod => match numbers()? {
                (_, 0.0) => return error("modulo by zero"),
                (a, b) => Value::Number(a % b),
            },
            Op::And => bools().map(|(a, b)| Value::Bool(a && b))?,
            Op::Or => bools().map(|(a, b)| Value::Bool(a || b))?,
        };
        Ok(node(value, origin))
    }

    fn template(&self, template: &Template, origin: Origin) -> Eval {
        // A template that is one interpolation yields the value itself, not a
        // string (`"${var.list}"` is the list), as in Terraform.
        if let [Element::Interpolation(interpolation)] = template.elements() {
            return self.expr(interpolation);
        }
        let mut text = String::new();
        match self.render(template, &mut text)? {
            Some(()) => Ok(node(Value::String(text.into()), origin)),
            None if self.modules.budget().exceeded() => {
                Ok(unevaluated(self.modules.budget().reason(), origin))
            }
            None => Ok(unevaluated(
                "a string built from values known only after apply",
                origin,
            )),
        }
    }

    /// Appends a template's text; `None` when part of it is unknown.
    fn render(&self, template: &Template, out: &mut String) -> Result<Option<()>, EvalError> {
        for element in template.iter() {
            match element {
                Element::Literal(literal) => out.push_str(literal),
                Element::Interpolation(interpolation) => {
                    match to_text(&self.expr(interpolation)?)? {
                        Some(text) => out.push_str(&text),
                        None => return Ok(None),
                    }
                }
                Element::If(if_directive) => {
                    let condition = self.expr(&if_directive.cond_expr)?;
                    let chosen = match condition.as_bool() {
                        Some(true) => Some(&if_directive.template),
                        Some(false) => if_directive.else_template.as_ref(),
                        None => return Ok(None),
                    };
                    if let Some(template) = chosen
                        && self.render(template, out)?.is_none()
                    {
                        return Ok(None);
                    }
                }
                Element::For(for_directive) => {
                    let collection = self.expr(&for_directive.collection_expr)?;
                    let Some(pairs) = iteration_pairs(&collection)? else {
                        return Ok(None);
                    };
                    for (key, value) in pairs {
                        if self.spend(1, self.origin(for_directive.span())).is_some() {
                            return Ok(None);
                        }
                        let mut scope = self.with(&*for_directive.value_var, value);
                        if let Some(key_var) = &for_directive.key_var {
                            scope = scope.with(&**key_var, key);
                        }
                        if scope.render(&for_directive.template, out)?.is_none() {
                            return Ok(None);
                        }
                    }
                }
            }
        }
        Ok(Some(()))
    }

    fn for_expr(&self, for_expr: &ForExpr, origin: Origin) -> Eval {
        let collection = self.expr(&for_expr.collection_expr)?;
        let Some(pairs) = iteration_pairs(&collection)? else {
            return Ok(unevaluated(
                format!("a `for` over {}", describe_unknown(&collection)),
                origin,
            ));
        };
        let mut list = Vec::new();
        let mut map = MapBuilder::default();
        for (key, value) in pairs {
            if let Some(unknown) = self.spend(1, origin) {
                return Ok(unknown);
            }
            let mut scope = self.with(&*for_expr.value_var, value);
            if let Some(key_var) = &for_expr.key_var {
                scope = scope.with(&**key_var, key);
            }
            if let Some(condition) = &for_expr.cond {
                let keep = scope.expr(condition)?;
                match keep.as_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => {
                        return Ok(unevaluated("a `for` filter known only after apply", origin));
                    }
                }
            }
            let value = scope.expr(&for_expr.value_expr)?;
            match &for_expr.key_expr {
                None => list.push(value),
                Some(key_expr) => {
                    let Some(key) = to_text(&scope.expr(key_expr)?)? else {
                        return Ok(unevaluated("a `for` key known only after apply", origin));
                    };
                    if for_expr.grouping {
                        map.push_item(&key, value, Some(origin));
                    } else if map.contains(&key) {
                        return error(format!("duplicate key `{key}` in a `for` expression"));
                    } else {
                        map.insert(key, value);
                    }
                }
            }
            if list.len() + map.len() > MAX_ITEMS {
                return error("a `for` expression produces too many items");
            }
        }
        Ok(if for_expr.key_expr.is_some() {
            node(Value::Map(map.finish()), origin)
        } else {
            node(Value::List(list.into()), origin)
        })
    }

    fn traversal(&self, traversal: &Traversal, origin: Origin) -> Eval {
        let operators = &traversal.operators;
        match &traversal.expr.kind {
            ExprKind::Variable(ident) => self.variable(ident, operators, origin),
            _ => {
                let root = self.expr(&traversal.expr)?;
                self.apply(root, operators, origin)
            }
        }
    }

    /// A name at the start of a traversal: a binding, `var`, `local`, `module`,
    /// `data`, `count`, `each`, `path`, `terraform`, `self` or a resource type.
    fn variable(&self, name: &str, operators: &[TraversalOperator], origin: Origin) -> Eval {
        let attr = |i: usize| match operators.get(i) {
            Some(TraversalOperator::GetAttr(ident)) => Some(&**ident),
            _ => None,
        };
        if let Some(value) = self.bound(name) {
            let value = value.clone();
            return self.apply(value, operators, origin);
        }
        match name {
            "var" => {
                let Some(var) = attr(0) else {
                    return error("`var` must be followed by a variable name");
                };
                let value = match self.instance.vars.get(var) {
                    Some(value) => value.clone(),
                    None if self.instance.config.variables.contains_key(var) => Node::unknown(
                        Unknown::UnsetVariable {
                            name: format!("var.{var}"),
                        },
                        Some(origin),
                    ),
                    None => return error(format!("variable `{var}` is not declared")),
                };
                self.apply(value, &operators[1..], origin)
            }
            "local" => {
                let Some(local) = attr(0) else {
                    return error("`local` must be followed by a name");
                };
                let value = self.local(local)?;
                self.apply(value, &operators[1..], origin)
            }
            "count" | "each" => {
                let key = format!("{name}.{}", attr(0).unwrap_or_default());
                match self.bound(&key) {
                    Some(value) => {
                        let value = value.clone();
                        self.apply(value, &operators[1..], origin)
                    }
                    None => error(format!(
                        "`{key}` is only defined where `count` or `for_each` is set"
                    )),
                }
            }
            "path" => {
                let value = match attr(0) {
                    Some("module") => self.instance.config.dir.clone(),
                    Some("root" | "cwd") => ".".to_owned(),
                    _ => return error("unknown `path` attribute"),
                };
                self.apply(
                    node(Value::String(value.into()), origin),
                    &operators[1..],
                    origin,
                )
            }
            "terraform" => Ok(unevaluated(
                "`terraform.workspace` (chosen when Terraform runs)",
                origin,
            )),
            // Ephemeral resources (Terraform 1.10) exist only while Terraform
            // runs: their values are never in a plan or a state.
            "ephemeral" => Ok(unevaluated(
                "ephemeral values are never stored or known to rampart",
                origin,
            )),
            "self" => Ok(Node::unknown(
                Unknown::Reference {
                    address: "self".to_owned(),
                    attribute: attribute_path(operators),
                },
                Some(origin),
            )),
            "module" => self.module_reference(operators, origin),
            "data" => match (attr(0), attr(1)) {
                (Some(resource_type), Some(resource_name)) => self.resource_reference(
                    true,
                    resource_type,
                    resource_name,
                    &operators[2..],
                    origin,
                ),
                _ => error("`data` must be followed by a type and a name"),
            },
            resource_type => match attr(0) {
                Some(resource_name) => self.resource_reference(
                    false,
                    resource_type,
                    resource_name,
                    &operators[1..],
                    origin,
                ),
                None => error(format!("unknown name `{resource_type}`")),
            },
        }
    }

    /// A local value, evaluated once per module instance.
    pub fn local(&self, name: &str) -> Eval {
        if let Some(value) = self.instance.locals.borrow().get(name) {
            return Ok(value.clone());
        }
        let Some(declared) = self.instance.config.locals.get(name) else {
            return error(format!("local `{name}` is not declared"));
        };
        let scope = Scope {
            modules: self.modules,
            instance: Rc::clone(&self.instance),
            file: declared.file,
            bindings: Vec::new(),
            depth: self.depth + 1,
        };
        let value = self.instance.guarded(format!("local.{name}"), || {
            scope.deeper().and_then(|s| s.expr(declared.item))
        })?;
        self.instance
            .locals
            .borrow_mut()
            .insert(name.to_owned(), value.clone());
        Ok(value)
    }

    fn module_reference(&self, operators: &[TraversalOperator], origin: Origin) -> Eval {
        let Some(TraversalOperator::GetAttr(name)) = operators.first() else {
            return error("`module` must be followed by a module name");
        };
        let name = &**name;
        let mut rest = &operators[1..];
        let pairs = self.modules.child_instances(&self.instance, name)?;
        let for_each = self
            .instance
            .config
            .module_calls
            .get(name)
            .is_some_and(|c| c.block.body.get_attribute("for_each").is_some());
        // `module.x[k].out`, `module.x[*].out`, or `module.x.out` without count.
        let mut splat = false;
        let chosen: Vec<Option<(Node, Node)>> = match (pairs, rest.first()) {
            (None, Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_))) => {
                return error(format!(
                    "module `{name}` has neither `count` nor `for_each`: it cannot be indexed"
                ));
            }
            (None, _) => vec![None],
            (Some(pairs), Some(TraversalOperator::Index(index))) => {
                let key = self.expr(index)?;
                rest = &rest[1..];
                match pairs.into_iter().find(|(k, _)| same(k, &key)) {
                    Some(pair) => vec![Some(pair)],
                    None => {
                        return error(format!(
                            "module `{name}` has no instance {}",
                            key.describe()
                        ));
                    }
                }
            }
            (Some(pairs), Some(TraversalOperator::LegacyIndex(i))) => {
                rest = &rest[1..];
                let key = node(Value::Number(*i as f64), origin);
                match pairs.into_iter().find(|(k, _)| same(k, &key)) {
                    Some(pair) => vec![Some(pair)],
                    None => return error(format!("module `{name}` has no instance {i}")),
                }
            }
            (Some(pairs), Some(TraversalOperator::AttrSplat | TraversalOperator::FullSplat)) => {
                rest = &rest[1..];
                splat = true;
                pairs.into_iter().map(Some).collect()
            }
            (Some(_), _) => {
                return Ok(unevaluated(
                    format!("module `{name}` has several instances; index it"),
                    origin,
                ));
            }
        };
        let Some(TraversalOperator::GetAttr(output)) = rest.first() else {
            return Ok(unevaluated(format!("the whole of module `{name}`"), origin));
        };
        let output = &**output;
        let mut values = Vec::new();
        for pair in &chosen {
            let key = pair.as_ref().map(|(k, v)| (k, v));
            let child = self.modules.child(&self.instance, name, key, for_each)?;
            let value = match child.config.outputs.get(output) {
                Some(declared) => {
                    let scope = Scope {
                        modules: self.modules,
                        instance: Rc::clone(&child),
                        file: declared.file,
                        bindings: Vec::new(),
                        depth: self.depth + 1,
                    };
                    child.guarded(format!("output.{output}"), || {
                        scope.deeper().and_then(|s| s.expr(declared.item))
                    })?
                }
                None if child.config.dir.is_empty() => {
                    unevaluated(format!("module `{name}` was not scanned"), origin)
                }
                None => return error(format!("module `{name}` has no output `{output}`")),
            };
            values.push(value);
        }
        let value = if splat {
            node(Value::List(values.into()), origin)
        } else {
            values
                .pop()
                .unwrap_or_else(|| unevaluated("empty module", origin))
        };
        self.apply(value, &rest[1..], origin)
    }

    /// `aws_vpc.main.cidr_block`: the attribute's configured value when the
    /// configuration sets it to something known, otherwise a reference to the
    /// resource, known after apply.
    fn resource_reference(
        &self,
        data: bool,
        resource_type: &str,
        name: &str,
        operators: &[TraversalOperator],
        origin: Origin,
    ) -> Eval {
        let Some(decl) = self
            .instance
            .config
            .resource(data, resource_type, name)
            .copied()
        else {
            return error(format!(
                "{} `{resource_type}.{name}` is not declared in this module",
                if data { "data source" } else { "resource" }
            ));
        };
        let base = (self.instance).address_of(&[
            if data { "data." } else { "" },
            resource_type,
            ".",
            name,
        ]);
        let mut rest = operators;
        let keys = self.instance_keys(&decl)?;
        // The whole of a resource with `count` or `for_each` (`for s in
        // aws_subnet.agents`, `for_each = aws_eip.nat`): a list or map of its
        // instances, whose keys are known before apply even though their
        // attributes are not. Each instance refers to its own address, so
        // links from whatever iterates them stay exact.
        if let (true, Some(Some(keys))) = (rest.is_empty(), &keys) {
            let for_each = decl.block.body.get_attribute("for_each").is_some();
            let mut items = Vec::with_capacity(keys.len());
            let mut entries = Vec::with_capacity(keys.len());
            for key in keys {
                let Some(suffix) = instance_suffix(key) else {
                    return Ok(unevaluated(
                        format!("an instance of `{base}` chosen after apply"),
                        origin,
                    ));
                };
                let instance = Node::unknown(
                    Unknown::Reference {
                        address: format!("{base}{suffix}"),
                        attribute: String::new(),
                    },
                    Some(origin),
                );
                match (&key.value, for_each) {
                    (Value::String(text), true) => entries.push((text.clone(), instance)),
                    _ => items.push(instance),
                }
            }
            return Ok(if for_each {
                node(Value::Map(entries.into()), origin)
            } else {
                node(Value::List(items.into()), origin)
            });
        }
        // Which instances: `[k]`, `[*]`, or the only one.
        let selected: Vec<Option<Node>> = match (&keys, rest.first()) {
            (_, Some(TraversalOperator::Index(index))) => {
                let key = self.expr(index)?;
                rest = &rest[1..];
                has_instance(&base, keys.as_ref(), &key)?;
                vec![Some(key)]
            }
            (_, Some(TraversalOperator::LegacyIndex(i))) => {
                rest = &rest[1..];
                let key = node(Value::Number(*i as f64), origin);
                has_instance(&base, keys.as_ref(), &key)?;
                vec![Some(key)]
            }
            (
                Some(Some(keys)),
                Some(TraversalOperator::AttrSplat | TraversalOperator::FullSplat),
            ) => {
                rest = &rest[1..];
                keys.iter().cloned().map(Some).collect()
            }
            (Some(None), Some(TraversalOperator::AttrSplat | TraversalOperator::FullSplat)) => {
                return Ok(Node::unknown(
                    Unknown::Reference {
                        address: format!("{base}[*]"),
                        attribute: attribute_path(&rest[1..]),
                    },
                    Some(origin),
                ));
            }
            _ => vec![None],
        };
        let splat = selected.len() != 1
            || matches!(
                operators.first(),
                Some(TraversalOperator::AttrSplat | TraversalOperator::FullSplat)
            );
        let mut values = Vec::new();
        for key in &selected {
            let address = match key.as_ref().map(instance_suffix) {
                Some(Some(suffix)) => format!("{base}{suffix}"),
                Some(None) => {
                    values.push(unevaluated(
                        format!("an instance of `{base}` chosen after apply"),
                        origin,
                    ));
                    continue;
                }
                None => base.clone(),
            };
            let value = match rest.first() {
                Some(TraversalOperator::GetAttr(attribute)) if !data => {
                    let configured =
                        self.configured_attribute(&decl, key.as_ref(), attribute, &address)?;
                    match configured {
                        Some(value) if !value.contains_unknown() => {
                            self.apply(value, &rest[1..], origin)?
                        }
                        _ => Node::unknown(
                            Unknown::Reference {
                                address,
                                attribute: attribute_path(rest),
                            },
                            Some(origin),
                        ),
                    }
                }
                _ => Node::unknown(
                    Unknown::Reference {
                        address,
                        attribute: attribute_path(rest),
                    },
                    Some(origin),
                ),
            };
            values.push(value);
        }
        if splat {
            Ok(node(Value::List(values.into()), origin))
        } else {
            Ok(values
                .pop()
                .unwrap_or_else(|| unevaluated("no instance", origin)))
        }
    }

    /// The value a resource's configuration gives an attribute (`None` when it
    /// does not set it).
    fn configured_attribute(
        &self,
        decl: &ResourceDecl<'a>,
        key: Option<&Node>,
        attribute: &str,
        address: &str,
    ) -> Result<Option<Node>, EvalError> {
        let Some(found) = decl.block.body.get_attribute(attribute) else {
            return Ok(None);
        };
        let mut scope = Scope {
            modules: self.modules,
            instance: Rc::clone(&self.instance),
            file: decl.file,
            bindings: Vec::new(),
            depth: self.depth + 1,
        };
        if let Some(key) = key {
            scope =
                scope.instance_bindings(decl.block.body.get_attribute("for_each").is_some(), key);
        }
        let value = self.instance.guarded(format!("{address}.{attribute}"), || {
            scope.deeper().and_then(|s| s.expr(&found.value))
        });
        // A configured value that cannot be evaluated is simply not known.
        Ok(value.ok())
    }

    /// `count.index` for a numeric key, `each.key`/`each.value` otherwise.
    pub fn instance_bindings(&self, for_each: bool, key: &Node) -> Self {
        if for_each {
            // The value is not at hand here (only the key); references to
            // `each.value` from other resources are rare and stay unknown.
            self.with("each.key", key.clone()).with(
                "each.value",
                unevaluated(
                    "`each.value` of another resource",
                    key.origin.unwrap_or(self.origin(None)),
                ),
            )
        } else {
            self.with("count.index", key.clone())
        }
    }

    /// The instance keys of a resource: `None` for a single instance,
    /// `Some(None)` when `count`/`for_each` is not known, `Some(Some(keys))`.
    #[allow(clippy::type_complexity)]
    fn instance_keys(
        &self,
        decl: &ResourceDecl<'a>,
    ) -> Result<Option<Option<Vec<Node>>>, EvalError> {
        let body = &decl.block.body;
        let (count, for_each) = (body.get_attribute("count"), body.get_attribute("for_each"));
        if count.is_none() && for_each.is_none() {
            // One instance, and nothing evaluated that could refer back.
            return Ok(None);
        }
        let scope = Scope {
            modules: self.modules,
            instance: Rc::clone(&self.instance),
            file: decl.file,
            bindings: Vec::new(),
            depth: self.depth + 1,
        };
        let key = (self.instance).address_of(&[decl.resource_type, ".", decl.name, "#instances"]);
        let expanded = self.instance.guarded(key, || {
            expansion(&scope, count.map(|a| &a.value), for_each.map(|a| &a.value))?.keys()
        })?;
        Ok(
            expanded
                .map(|pairs| pairs.map(|pairs| pairs.into_iter().map(|(key, _)| key).collect())),
        )
    }

    /// Applies traversal operators to a value.
    pub fn apply(&self, mut value: Node, operators: &[TraversalOperator], origin: Origin) -> Eval {
        for (i, operator) in operators.iter().enumerate() {
            if let Value::Unknown(unknown) = &value.value {
                // Past an unknown, keep extending a reference's path.
                if let Unknown::Reference { address, attribute } = &**unknown {
                    let more = attribute_path(&operators[i..]);
                    let attribute = match (attribute.is_empty(), more.is_empty()) {
                        (true, _) => more,
                        (false, true) => attribute.clone(),
                        (false, false) => format!("{attribute}.{more}"),
                    };
                    return Ok(Node::unknown(
                        Unknown::Reference {
                            address: address.clone(),
                            attribute,
                        },
                        value.origin,
                    ));
                }
                return Ok(value);
            }
            value = match operator {
                TraversalOperator::GetAttr(name) => match &value.value {
                    Value::Map(_) => match value.get(name) {
                        Some(found) => found.clone(),
                        None => return error(format!("no attribute `{name}`")),
                    },
                    Value::Null => return error(format!("`{name}` of a null value")),
                    _ => return error(format!("`{name}` of a value that is not an object")),
                },
                TraversalOperator::Index(index) => {
                    let key = self.expr(index)?;
                    index_value(&value, &key)?
                }
                TraversalOperator::LegacyIndex(i) => {
                    index_value(&value, &node(Value::Number(*i as f64), origin))?
                }
                TraversalOperator::AttrSplat | TraversalOperator::FullSplat => {
                    let items: Vec<Node> = match &value.value {
                        Value::List(items) => items.to_vec(),
                        Value::Null => Vec::new(),
                        _ => vec![value.clone()],
                    };
                    let rest = &operators[i + 1..];
                    if let Some(unknown) = self.spend(items.len(), origin) {
                        return Ok(unknown);
                    }
                    let mapped = items
                        .into_iter()
                        .map(|item| self.apply(item, rest, origin))
                        .collect::<Result<Vec<_>, _>>()?;
                    return Ok(node(
                        Value::List(mapped.into()),
                        value.origin.unwrap_or(origin),
                    ));
                }
            };
        }
        Ok(value)
    }

    /// Evaluates a block body into a map: attributes, and nested blocks as lists
    /// of maps (`dynamic` blocks expanded). `skip` names meta-arguments that are
    /// not attributes of the resource (`count`, `for_each`, `lifecycle`, …).
    pub fn body(&self, body: &Body, skip: &[&str], origin: Origin) -> Eval {
        let mut entries = MapBuilder::default();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) => {
                    let key = &*attribute.key;
                    if skip.contains(&key) {
                        continue;
                    }
                    let value = match self.expr(&attribute.value) {
                        Ok(value) => value,
                        Err(EvalError(reason)) => {
                            unevaluated(reason, self.origin(attribute.value.span()))
                        }
                    };
                    entries.remove(key);
                    entries.insert(key.into(), value);
                }
                Structure::Block(block) => {
                    let kind = &*block.ident;
                    if skip.contains(&kind) {
                        continue;
                    }
                    let block_origin = Origin {
                        file: self.file.file,
                        span: self.file.header(block),
                    };
                    if kind == "dynamic" {
                        let Some(label) = block.labels.first().map(|l| l.to_string()) else {
                            continue;
                        };
                        for value in self.dynamic(block, &label, block_origin)? {
                            entries.push_item(&label, value, None);
                        }
                        continue;
                    }
                    let value = self.body(&block.body, &[], block_origin)?;
                    entries.push_item(kind, value, None);
                }
            }
        }
        Ok(node(Value::Map(entries.finish()), origin))
    }

    /// The blocks a `dynamic "label" { for_each … content { … } }` produces.
    fn dynamic(&self, block: &Block, label: &str, origin: Origin) -> Result<Vec<Node>, EvalError> {
        let Some(for_each) = block.body.get_attribute("for_each") else {
            return error("a `dynamic` block needs `for_each`");
        };
        let iterator = match block.body.get_attribute("iterator") {
            Some(attribute) => match &attribute.value.kind {
                ExprKind::Variable(ident) => ident.to_string(),
                _ => return error("`iterator` must be a name"),
            },
            None => label.to_owned(),
        };
        let Some(content) = block.body.get_blocks("content").next() else {
            return error("a `dynamic` block needs a `content` block");
        };
        let collection = self.expr(&for_each.value)?;
        let Some(pairs) = iteration_pairs(&collection)? else {
            // One block whose values are unknown stands in for the unknown many.
            return Ok(vec![unevaluated(
                format!(
                    "`dynamic \"{label}\"` over {}",
                    describe_unknown(&collection)
                ),
                origin,
            )]);
        };
        let mut blocks = Vec::new();
        for (key, value) in pairs {
            if let Some(unknown) = self.spend(1, origin) {
                return Ok(vec![unknown]);
            }
            let element = node(
                Value::Map(vec![("key".into(), key), ("value".into(), value)].into()),
                origin,
            );
            let scope = self.with(iterator.clone(), element);
            blocks.push(scope.body(&content.body, &[], origin)?);
        }
        Ok(blocks)
    }
}

/// What `count` / `for_each` make of a block.
pub(crate) enum Expansion {
    /// Neither is set: one instance, without a key.
    Single,
    /// The instance keys and `each.value`s (`count.index` → `null`).
    Keys(Vec<(Node, Node)>),
    /// How many instances is not known before apply.
    Unknown,
    /// More instances than rampart expands (the reason says how many).
    TooMany(String),
    /// A value Terraform rejects (`count = -1`, `for_each = null`).
    Invalid(String),
}

impl Expansion {
    /// The pairs: `None` for a single instance, `Some(None)` where they are
    /// not known (`Unknown`, `TooMany`), an error where Terraform rejects them.
    #[allow(clippy::type_complexity)]
    pub fn keys(self) -> Result<Option<Option<Vec<(Node, Node)>>>, EvalError> {
        match self {
            Self::Single => Ok(None),
            Self::Keys(pairs) => Ok(Some(Some(pairs))),
            Self::Unknown | Self::TooMany(_) => Ok(Some(None)),
            Self::Invalid(reason) => Err(EvalError(reason)),
        }
    }
}

/// The instances `count` / `for_each` give a block.
pub(crate) fn expansion(
    scope: &Scope<'_, '_>,
    count: Option<&Expression>,
    for_each: Option<&Expression>,
) -> Result<Expansion, EvalError> {
    if let Some(count) = count {
        let value = scope.expr(count)?;
        if value.is_unknown() {
            return Ok(Expansion::Unknown);
        }
        let Some(n) = value.as_i64().filter(|n| *n >= 0) else {
            return Ok(Expansion::Invalid(format!(
                "`count` must be a whole number ≥ 0 (it is {})",
                value.describe()
            )));
        };
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        if n > MAX_ITEMS {
            return Ok(Expansion::TooMany(format!(
                "`count = {n}` is above the {MAX_ITEMS} instances rampart expands"
            )));
        }
        let origin = value.origin.unwrap_or(scope.origin(count.span()));
        return Ok(Expansion::Keys(
            (0..n)
                .map(|i| {
                    (
                        Node::at(Value::Number(i as f64), origin),
                        Node::new(Value::Null, None),
                    )
                })
                .collect(),
        ));
    }
    if let Some(for_each) = for_each {
        let value = scope.expr(for_each)?;
        if value.contains_unknown() && !matches!(value.value, Value::Map(_)) {
            return Ok(Expansion::Unknown);
        }
        let pairs: Vec<(Node, Node)> = match &value.value {
            Value::Map(entries) => entries
                .iter()
                .map(|(k, v)| (Node::new(Value::String(k.clone()), v.origin), v.clone()))
                .collect(),
            // A set of strings: key and value are the string.
            Value::List(items) => {
                let mut pairs = Vec::new();
                for item in items {
                    match &item.value {
                        Value::String(_) => pairs.push((item.clone(), item.clone())),
                        Value::Unknown(_) => return Ok(Expansion::Unknown),
                        _ => {
                            return Ok(Expansion::Invalid(
                                "`for_each` over a list needs strings (use toset())".to_owned(),
                            ));
                        }
                    }
                }
                pairs
            }
            Value::Null => {
                return Ok(Expansion::Invalid("`for_each` must not be null".to_owned()));
            }
            _ => {
                return Ok(Expansion::Invalid(
                    "`for_each` needs a map or a set of strings".to_owned(),
                ));
            }
        };
        if pairs.len() > MAX_ITEMS {
            return Ok(Expansion::TooMany(format!(
                "`for_each` over {} elements is above the {MAX_ITEMS} instances rampart expands",
                pairs.len()
            )));
        }
        return Ok(Expansion::Keys(pairs));
    }
    Ok(Expansion::Single)
}

/// The key/value pairs a `for` iterates (index/element for lists); `None` when
/// the collection is unknown.
fn iteration_pairs(collection: &Node) -> Result<Option<Vec<(Node, Node)>>, EvalError> {
    let origin = collection.origin;
    Ok(Some(match &collection.value {
        Value::List(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Node::new(Value::Number(i as f64), origin), v.clone()))
            .collect(),
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| (Node::new(Value::String(k.clone()), origin), v.clone()))
            .collect(),
        Value::Unknown(_) => return Ok(None),
        Value::Null => return error("cannot iterate over null"),
        _ => return error("can only iterate over a list, set or map"),
    }))
}

fn index_value(value: &Node, key: &Node) -> Eval {
    if key.is_unknown() {
        return Ok(Node::unknown(
            Unknown::Unevaluated {
                reason: "an index known only after apply".to_owned(),
            },
            value.origin,
        ));
    }
    match &value.value {
        Value::List(items) => {
            let Some(i) = key.as_i64().and_then(|i| usize::try_from(i).ok()) else {
                return error("a list index must be a whole number");
            };
            match items.get(i) {
                Some(item) => Ok(item.clone()),
                None => error(format!(
                    "index {i} is out of range (the list has {} items)",
                    items.len()
                )),
            }
        }
        Value::Map(_) => {
            let Some(key) = to_text(key)? else {
                return error("unknown key");
            };
            match value.get(&key) {
                Some(found) => Ok(found.clone()),
                None => error(format!("no key `{key}`")),
            }
        }
        _ => error("only lists and maps can be indexed"),
    }
}

/// An error, as Terraform gives, when a reference indexes an instance that
/// does not exist (`aws_x.this[0]` with `count = 0`) or a resource that has no
/// instance keys. Instances not known before apply may be anything.
fn has_instance(base: &str, keys: Option<&Option<Vec<Node>>>, key: &Node) -> Result<(), EvalError> {
    let Some(suffix) = instance_suffix(key) else {
        return Ok(());
    };
    match keys {
        None => error(format!(
            "`{base}` has neither `count` nor `for_each`: it has no instance {suffix}"
        )),
        Some(Some(keys)) if !keys.iter().any(|k| same(k, key)) => {
            error(format!("`{base}` has no instance {suffix}"))
        }
        Some(_) => Ok(()),
    }
}

/// `[0]`, `["a"]` for an instance key; `None` when the key is unknown.
pub(crate) fn instance_suffix(key: &Node) -> Option<String> {
    match &key.value {
        Value::Number(n) => Some(format!("[{}]", number_text(*n))),
        Value::String(text) => Some(format!("[\"{text}\"]")),
        _ => None,
    }
}

/// `ingress[0].cidr_blocks` from traversal operators, for unknown references.
fn attribute_path(operators: &[TraversalOperator]) -> String {
    let mut path = String::new();
    for operator in operators {
        match operator {
            TraversalOperator::GetAttr(name) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
            }
            TraversalOperator::LegacyIndex(i) => path.push_str(&format!("[{i}]")),
            TraversalOperator::Index(index) => match &index.kind {
                ExprKind::Number(n) => path.push_str(&format!("[{n}]")),
                ExprKind::String(s) => path.push_str(&format!("[\"{s}\"]")),
                _ => path.push_str("[?]"),
            },
            TraversalOperator::AttrSplat | TraversalOperator::FullSplat => path.push_str("[*]"),
        }
    }
    path
}

/// `depends on X`, without saying it twice when X already is a dependency.
fn depends_on(node: &Node) -> String {
    let described = describe_unknown(node);
    if described.starts_with("depends on ") {
        described
    } else {
        format!("depends on {described}")
    }
}

/// Whether every unknown part of a value is a reference to a resource.
fn only_references(node: &Node) -> bool {
    match &node.value {
        Value::Unknown(unknown) => matches!(**unknown, Unknown::Reference { .. }),
        Value::List(items) => items.iter().all(only_references),
        Value::Map(entries) => entries.iter().all(|(_, v)| only_references(v)),
        _ => true,
    }
}

fn describe_unknown(node: &Node) -> String {
    match &node.value {
        Value::Unknown(unknown) => unknown.to_string(),
        _ => "a value known only after apply".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::number_text;

    #[test]
    fn numbers_are_written_in_full_as_terraform_writes_them() {
        for (n, text) in [
            (3.0, "3"),
            (-42.0, "-42"),
            (2.5, "2.5"),
            (0.000001, "0.000001"),
            (-1.5e-7, "-0.00000015"),
            (1e16, "10000000000000000"),
            (9.5e15, "9500000000000000"),
        ] {
            assert_eq!(number_text(n), text, "{n:?}");
        }
    }
}
