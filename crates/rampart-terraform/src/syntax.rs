//! The Terraform syntax tree the evaluator reads: what a file says, with the
//! byte range of every expression, and nothing else.
//!
//! hcl-edit parses into a tree made for editing a file without losing a byte
//! of it: every token keeps its whitespace, comments and raw text. That tree
//! is about 30 times the size of its text (18 MiB of Terraform take 550 MiB),
//! and rampart reads none of the decoration. Each file is parsed with hcl-edit
//! and converted at once into this tree, which keeps the parts evaluation
//! reads (values, names, operators, ranges), and hcl-edit's tree is dropped on
//! the same thread. The conversion takes hcl-edit's tree apart by value, so a
//! string is moved into its box (reallocated only where it had spare capacity),
//! not copied from a borrowed tree.
//!
//! Recursion here is bounded by the parser's own limits: hcl-edit refuses more
//! than 64 levels of nested expressions, templates and blocks, and 128 chained
//! binary operators, and [`crate::parse_body`] refuses brackets nested deeper
//! than 128 before parsing.

use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::expr::Expression as HclExpression;
use hcl_edit::expr::{self as hcl_expr};
use hcl_edit::structure::{self as hcl_structure};
use hcl_edit::template as hcl_template;
use hcl_edit::{Decorated, Ident};

pub use hcl_edit::Number;
pub use hcl_edit::expr::{BinaryOperator, UnaryOperator};

/// A byte range of the parsed text, in four bytes each way:
/// [`crate::parse_body`] refuses a file of 4 GiB or more, so every range of a
/// parsed file fits. `u32::MAX` at both ends stands for a node the parser gave
/// no range (and for a range that would not fit, which cannot happen).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TextRange {
    start: u32,
    end: u32,
}

impl TextRange {
    const NONE: Self = Self {
        start: u32::MAX,
        end: u32::MAX,
    };

    fn of(range: Option<Range<usize>>) -> Self {
        match range {
            Some(range) => match (u32::try_from(range.start), u32::try_from(range.end)) {
                (Ok(start), Ok(end)) if start != u32::MAX => Self { start, end },
                _ => Self::NONE,
            },
            None => Self::NONE,
        }
    }

    fn get(self) -> Option<Range<usize>> {
        (self != Self::NONE).then_some(self.start as usize..self.end as usize)
    }
}

/// A file's top-level body, or a block's: attributes and blocks in the order
/// they are written.
#[derive(Debug)]
pub struct Body(Box<[Structure]>);

/// One attribute or block of a body.
#[derive(Debug)]
pub enum Structure {
    Attribute(Attribute),
    Block(Box<Block>),
}

/// `key = value`.
#[derive(Debug)]
pub struct Attribute {
    pub key: Box<str>,
    pub value: Expression,
}

/// `type "label" … { body }`.
#[derive(Debug)]
pub struct Block {
    pub ident: Box<str>,
    pub labels: Box<[Box<str>]>,
    pub body: Body,
    span: TextRange,
    /// From the type to the last label (the whole block if the parser gave
    /// either no range): where a finding about the block points.
    header: TextRange,
}

/// An expression and the bytes it was written in.
#[derive(Debug)]
pub struct Expression {
    pub kind: ExprKind,
    span: TextRange,
}

/// What an expression is.
#[derive(Debug)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Number(Number),
    /// A quoted string without interpolation, its escapes decoded.
    String(Box<str>),
    Array(Box<[Expression]>),
    Object(Box<[(ObjectKey, Expression)]>),
    /// A quoted string with interpolations or directives, or a heredoc.
    Template(Template),
    Parenthesis(Box<Expression>),
    Variable(Box<str>),
    Conditional(Box<Conditional>),
    FuncCall(Box<FuncCall>),
    Traversal(Box<Traversal>),
    UnaryOp(Box<UnaryOp>),
    BinaryOp(Box<BinaryOp>),
    ForExpr(Box<ForExpr>),
}

/// The key of an object element: a bare name or an expression.
#[derive(Debug)]
pub enum ObjectKey {
    Ident(Box<str>),
    Expression(Expression),
}

/// `cond ? a : b`.
#[derive(Debug)]
pub struct Conditional {
    pub cond_expr: Expression,
    pub true_expr: Expression,
    pub false_expr: Expression,
}

/// `name(args…)`, `provider::aws::name(args…)`.
#[derive(Debug)]
pub struct FuncCall {
    pub name: Box<str>,
    /// Written with a `provider::…::` namespace.
    pub namespaced: bool,
    pub args: Box<[Expression]>,
    /// The last argument is expanded with `...`.
    pub expand_final: bool,
}

/// `expr.attr[index][*]…`.
#[derive(Debug)]
pub struct Traversal {
    pub expr: Expression,
    pub operators: Box<[TraversalOperator]>,
}

/// One step of a traversal.
#[derive(Debug)]
pub enum TraversalOperator {
    /// `.*`
    AttrSplat,
    /// `[*]`
    FullSplat,
    /// `.name`
    GetAttr(Box<str>),
    /// `[expr]`
    Index(Expression),
    /// `.0`
    LegacyIndex(u64),
}

#[derive(Debug)]
pub struct UnaryOp {
    pub operator: UnaryOperator,
    pub expr: Expression,
}

#[derive(Debug)]
pub struct BinaryOp {
    pub lhs_expr: Expression,
    pub operator: BinaryOperator,
    pub rhs_expr: Expression,
}

/// `[for k, v in coll : value if cond]`, `{for k, v in coll : key => value... if cond}`.
#[derive(Debug)]
pub struct ForExpr {
    pub key_var: Option<Box<str>>,
    pub value_var: Box<str>,
    pub collection_expr: Expression,
    pub key_expr: Option<Expression>,
    pub value_expr: Expression,
    pub grouping: bool,
    pub cond: Option<Expression>,
}

/// The parts of a string template.
#[derive(Debug)]
pub struct Template(Box<[Element]>);

#[derive(Debug)]
pub enum Element {
    /// Text, its escapes decoded.
    Literal(Box<str>),
    /// `${expr}`
    Interpolation(Expression),
    /// `%{if cond}…%{else}…%{endif}`
    If(Box<IfDirective>),
    /// `%{for k, v in coll}…%{endfor}`
    For(Box<ForDirective>),
}

#[derive(Debug)]
pub struct IfDirective {
    pub cond_expr: Expression,
    pub template: Template,
    pub else_template: Option<Template>,
}

#[derive(Debug)]
pub struct ForDirective {
    pub key_var: Option<Box<str>>,
    pub value_var: Box<str>,
    pub collection_expr: Expression,
    pub template: Template,
    span: TextRange,
}

impl Body {
    pub fn iter(&self) -> std::slice::Iter<'_, Structure> {
        self.0.iter()
    }

    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.0.iter().filter_map(|structure| match structure {
            Structure::Attribute(attribute) => Some(attribute),
            Structure::Block(_) => None,
        })
    }

    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.0.iter().filter_map(|structure| match structure {
            Structure::Block(block) => Some(&**block),
            Structure::Attribute(_) => None,
        })
    }

    /// The first attribute named `key`, as Terraform reads a body.
    pub fn get_attribute(&self, key: &str) -> Option<&Attribute> {
        self.attributes().find(|attribute| &*attribute.key == key)
    }

    /// The blocks of type `ident`, in order.
    pub fn get_blocks<'a>(&'a self, ident: &'a str) -> impl Iterator<Item = &'a Block> {
        self.blocks().filter(move |block| &*block.ident == ident)
    }
}

impl Block {
    /// The whole block's byte range.
    pub fn span(&self) -> Option<Range<usize>> {
        self.span.get()
    }

    /// From the block type to its last label.
    pub fn header(&self) -> Option<Range<usize>> {
        self.header.get()
    }
}

impl Expression {
    pub fn span(&self) -> Option<Range<usize>> {
        self.span.get()
    }
}

impl Template {
    pub fn elements(&self) -> &[Element] {
        &self.0
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Element> {
        self.0.iter()
    }
}

impl ForDirective {
    pub fn span(&self) -> Option<Range<usize>> {
        self.span.get()
    }
}

/// An identifier's text, without its decoration.
fn ident_text(ident: Decorated<Ident>) -> Box<str> {
    ident.into_value().into_string().into_boxed_str()
}

impl From<hcl_structure::Body> for Body {
    fn from(body: hcl_structure::Body) -> Self {
        Self(body.into_iter().map(Structure::from).collect())
    }
}

impl From<hcl_structure::Structure> for Structure {
    fn from(structure: hcl_structure::Structure) -> Self {
        match structure {
            hcl_structure::Structure::Attribute(attribute) => Self::Attribute(Attribute {
                key: ident_text(attribute.key),
                value: attribute.value.into(),
            }),
            hcl_structure::Structure::Block(block) => Self::Block(Box::new(block.into())),
        }
    }
}

impl From<hcl_structure::Block> for Block {
    fn from(block: hcl_structure::Block) -> Self {
        let span = TextRange::of(block.span());
        let ident_span = block.ident.span();
        let last_label_end = block
            .labels
            .last()
            .and_then(|label| label.span())
            .or_else(|| ident_span.clone())
            .map(|range| range.end);
        let header = match (ident_span.map(|range| range.start), last_label_end) {
            (Some(start), Some(end)) => TextRange::of(Some(start..end)),
            _ => span,
        };
        Self {
            ident: ident_text(block.ident),
            labels: block
                .labels
                .into_iter()
                .map(|label| match label {
                    hcl_structure::BlockLabel::Ident(ident) => ident_text(ident),
                    hcl_structure::BlockLabel::String(text) => text.into_value().into_boxed_str(),
                })
                .collect(),
            body: block.body.into(),
            span,
            header,
        }
    }
}

impl From<HclExpression> for Expression {
    fn from(expression: HclExpression) -> Self {
        let span = TextRange::of(expression.span());
        let kind = match expression {
            HclExpression::Null(_) => ExprKind::Null,
            HclExpression::Bool(value) => ExprKind::Bool(value.into_value()),
            HclExpression::Number(number) => ExprKind::Number(number.into_value()),
            HclExpression::String(text) => ExprKind::String(text.into_value().into_boxed_str()),
            HclExpression::Array(array) => {
                ExprKind::Array(array.into_iter().map(Expression::from).collect())
            }
            HclExpression::Object(object) => ExprKind::Object(
                object
                    .into_iter()
                    .map(|(key, value)| {
                        let key = match key {
                            hcl_expr::ObjectKey::Ident(ident) => {
                                ObjectKey::Ident(ident_text(ident))
                            }
                            hcl_expr::ObjectKey::Expression(key) => {
                                ObjectKey::Expression(key.into())
                            }
                        };
                        (key, value.into_expr().into())
                    })
                    .collect(),
            ),
            HclExpression::StringTemplate(template) => {
                ExprKind::Template(Template(template.into_iter().map(Element::from).collect()))
            }
            HclExpression::HeredocTemplate(heredoc) => ExprKind::Template(heredoc.template.into()),
            HclExpression::Parenthesis(inner) => {
                ExprKind::Parenthesis(Box::new(inner.into_inner().into()))
            }
            HclExpression::Variable(ident) => ExprKind::Variable(ident_text(ident)),
            HclExpression::Conditional(conditional) => {
                let conditional = *conditional;
                ExprKind::Conditional(Box::new(Conditional {
                    cond_expr: conditional.cond_expr.into(),
                    true_expr: conditional.true_expr.into(),
                    false_expr: conditional.false_expr.into(),
                }))
            }
            HclExpression::FuncCall(call) => {
                let call = *call;
                let expand_final = call.args.expand_final();
                ExprKind::FuncCall(Box::new(FuncCall {
                    name: ident_text(call.name.name),
                    namespaced: !call.name.namespace.is_empty(),
                    args: call.args.into_iter().map(Expression::from).collect(),
                    expand_final,
                }))
            }
            HclExpression::Traversal(traversal) => {
                let traversal = *traversal;
                ExprKind::Traversal(Box::new(Traversal {
                    expr: traversal.expr.into(),
                    operators: traversal
                        .operators
                        .into_iter()
                        .map(|operator| match operator.into_value() {
                            hcl_expr::TraversalOperator::AttrSplat(_) => {
                                TraversalOperator::AttrSplat
                            }
                            hcl_expr::TraversalOperator::FullSplat(_) => {
                                TraversalOperator::FullSplat
                            }
                            hcl_expr::TraversalOperator::GetAttr(name) => {
                                TraversalOperator::GetAttr(ident_text(name))
                            }
                            hcl_expr::TraversalOperator::Index(index) => {
                                TraversalOperator::Index(index.into())
                            }
                            hcl_expr::TraversalOperator::LegacyIndex(index) => {
                                TraversalOperator::LegacyIndex(index.into_value())
                            }
                        })
                        .collect(),
                }))
            }
            HclExpression::UnaryOp(op) => {
                let op = *op;
                ExprKind::UnaryOp(Box::new(UnaryOp {
                    operator: op.operator.into_value(),
                    expr: op.expr.into(),
                }))
            }
            HclExpression::BinaryOp(op) => {
                let op = *op;
                ExprKind::BinaryOp(Box::new(BinaryOp {
                    lhs_expr: op.lhs_expr.into(),
                    operator: op.operator.into_value(),
                    rhs_expr: op.rhs_expr.into(),
                }))
            }
            HclExpression::ForExpr(for_expr) => {
                let for_expr = *for_expr;
                let intro = for_expr.intro;
                ExprKind::ForExpr(Box::new(ForExpr {
                    key_var: intro.key_var.map(ident_text),
                    value_var: ident_text(intro.value_var),
                    collection_expr: intro.collection_expr.into(),
                    key_expr: for_expr.key_expr.map(Expression::from),
                    value_expr: for_expr.value_expr.into(),
                    grouping: for_expr.grouping,
                    cond: for_expr.cond.map(|cond| cond.expr.into()),
                }))
            }
        };
        Self { kind, span }
    }
}

impl From<hcl_template::Template> for Template {
    fn from(template: hcl_template::Template) -> Self {
        Self(template.into_iter().map(Element::from).collect())
    }
}

impl From<hcl_template::Element> for Element {
    fn from(element: hcl_template::Element) -> Self {
        match element {
            hcl_template::Element::Literal(text) => {
                Self::Literal(text.into_value().into_boxed_str())
            }
            hcl_template::Element::Interpolation(interpolation) => {
                Self::Interpolation(interpolation.expr.into())
            }
            hcl_template::Element::Directive(directive) => match *directive {
                hcl_template::Directive::If(directive) => Self::If(Box::new(IfDirective {
                    cond_expr: directive.if_expr.cond_expr.into(),
                    template: directive.if_expr.template.into(),
                    else_template: directive.else_expr.map(|e| e.template.into()),
                })),
                hcl_template::Directive::For(directive) => {
                    let span = TextRange::of(directive.span());
                    let intro = directive.for_expr;
                    Self::For(Box::new(ForDirective {
                        key_var: intro.key_var.map(ident_text),
                        value_var: ident_text(intro.value_var),
                        collection_expr: intro.collection_expr.into(),
                        template: intro.template.into(),
                        span,
                    }))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Body {
        hcl_edit::parser::parse_body(text)
            .map(Body::from)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn nodes_are_small() {
        // The point of this tree: a node is a few words, not hcl-edit's
        // decorated, spanned, raw-text-carrying structs.
        assert!(std::mem::size_of::<Expression>() <= 32);
        assert!(std::mem::size_of::<Structure>() <= 56);
    }

    #[test]
    fn keeps_what_evaluation_reads_with_its_ranges() {
        let text =
            "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"a-${var.x}\"\n  count = 2\n}\n";
        let body = parse(text);
        let block = body.blocks().next().unwrap();
        assert_eq!(&*block.ident, "resource");
        assert_eq!(
            block.labels.iter().map(|l| &**l).collect::<Vec<_>>(),
            ["aws_s3_bucket", "logs"]
        );
        assert_eq!(
            &text[block.header().unwrap()],
            "resource \"aws_s3_bucket\" \"logs\""
        );
        let bucket = block.body.get_attribute("bucket").unwrap();
        assert_eq!(&text[bucket.value.span().unwrap()], "\"a-${var.x}\"");
        let ExprKind::Template(template) = &bucket.value.kind else {
            panic!("{:?}", bucket.value.kind)
        };
        let elements: Vec<_> = template.iter().collect();
        assert!(matches!(elements[0], Element::Literal(text) if &**text == "a-"));
        let Element::Interpolation(reference) = elements[1] else {
            panic!("{elements:?}")
        };
        assert_eq!(&text[reference.span().unwrap()], "var.x");
        let count = block.body.get_attribute("count").unwrap();
        assert!(matches!(&count.value.kind, ExprKind::Number(n) if n.as_f64() == Some(2.0)));
    }

    #[test]
    fn converts_every_kind_of_expression() {
        let text = r#"
x = {
  a = null
  b = [true, 1.5, "s"]
  "c" = (1 + 2) * -n
  d = cond ? f(1, [2]...) : provider::aws::g()
  e = [for k, v in m : "${k}=${v}" if v != null]
  f = { for s in l : s.name => s... }
  g = a.b[0].c[*].d.*.e.1
  h = "%{ for n in l }${n}%{ endfor }%{ if c }y%{ else }n%{ endif }"
  i = <<EOT
heredoc ${x}
EOT
}
"#;
        let body = parse(text);
        let x = body.get_attribute("x").unwrap();
        let ExprKind::Object(entries) = &x.value.kind else {
            panic!()
        };
        let value = |name: &str| {
            &entries
                .iter()
                .find(|(key, _)| match key {
                    ObjectKey::Ident(key) => &**key == name,
                    ObjectKey::Expression(Expression {
                        kind: ExprKind::String(key),
                        ..
                    }) => &**key == name,
                    ObjectKey::Expression(_) => false,
                })
                .unwrap()
                .1
        };
        assert!(matches!(value("a").kind, ExprKind::Null));
        assert!(matches!(&value("b").kind, ExprKind::Array(items) if items.len() == 3));
        let ExprKind::BinaryOp(product) = &value("c").kind else {
            panic!()
        };
        assert_eq!(product.operator, BinaryOperator::Mul);
        assert!(matches!(product.lhs_expr.kind, ExprKind::Parenthesis(_)));
        assert!(
            matches!(&product.rhs_expr.kind, ExprKind::UnaryOp(op) if op.operator == UnaryOperator::Neg)
        );
        let ExprKind::Conditional(conditional) = &value("d").kind else {
            panic!()
        };
        let ExprKind::FuncCall(f) = &conditional.true_expr.kind else {
            panic!()
        };
        assert!(f.expand_final && !f.namespaced && f.args.len() == 2);
        let ExprKind::FuncCall(g) = &conditional.false_expr.kind else {
            panic!()
        };
        assert!(g.namespaced && &*g.name == "g");
        let ExprKind::ForExpr(list) = &value("e").kind else {
            panic!()
        };
        assert_eq!(list.key_var.as_deref(), Some("k"));
        assert!(list.cond.is_some() && list.key_expr.is_none() && !list.grouping);
        let ExprKind::ForExpr(grouped) = &value("f").kind else {
            panic!()
        };
        assert!(grouped.grouping && grouped.key_expr.is_some());
        let ExprKind::Traversal(traversal) = &value("g").kind else {
            panic!()
        };
        assert!(matches!(&traversal.expr.kind, ExprKind::Variable(name) if &**name == "a"));
        let steps: Vec<String> = traversal
            .operators
            .iter()
            .map(|operator| match operator {
                TraversalOperator::GetAttr(name) => name.to_string(),
                TraversalOperator::Index(_) => "[]".to_owned(),
                TraversalOperator::LegacyIndex(i) => i.to_string(),
                TraversalOperator::AttrSplat => ".*".to_owned(),
                TraversalOperator::FullSplat => "[*]".to_owned(),
            })
            .collect();
        assert_eq!(steps, ["b", "[]", "c", "[*]", "d", ".*", "e", "1"]);
        let ExprKind::Template(directives) = &value("h").kind else {
            panic!()
        };
        let elements: Vec<_> = directives.iter().collect();
        let Element::For(for_directive) = elements[0] else {
            panic!()
        };
        assert_eq!(
            &text[for_directive.span().unwrap()],
            "%{ for n in l }${n}%{ endfor }"
        );
        assert!(matches!(elements[1], Element::If(directive) if directive.else_template.is_some()));
        assert!(matches!(&value("i").kind, ExprKind::Template(_)));
    }
}
