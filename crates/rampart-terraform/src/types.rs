//! Variable type constraints, as far as they change a value: the attributes
//! an object type declares `optional(type, default)` (Terraform 1.3) are
//! filled in where the given value leaves them out. Other conversions are not
//! made; a type constraint rampart cannot read changes nothing.

use crate::syntax::{ExprKind, Expression, ObjectKey};
use rampart_iac::{Node, Value};

/// A type constraint, reduced to what holds object attributes.
#[derive(Debug)]
pub(crate) enum Type<'e> {
    /// `string`, `number`, `bool`, `any`: nothing to fill in.
    Leaf,
    /// `object({ … })`.
    Object(Vec<Attribute<'e>>),
    /// `list(T)`, `set(T)`, `map(T)`: every element is a `T`.
    Collection(Box<Type<'e>>),
    /// `tuple([A, B])`.
    Tuple(Vec<Type<'e>>),
}

/// One attribute of an object type.
#[derive(Debug)]
pub(crate) struct Attribute<'e> {
    name: String,
    kind: Type<'e>,
    /// Declared with `optional(…)`.
    optional: bool,
    /// The default of `optional(type, default)`, where it is written.
    default: Option<&'e Expression>,
}

impl<'e> Type<'e> {
    /// The type an expression (`map(object({ … }))`) declares; `None` when
    /// rampart cannot read it.
    pub fn parse(expression: &'e Expression) -> Option<Self> {
        Self::parse_at(expression, 0)
    }

    fn parse_at(expression: &'e Expression, depth: usize) -> Option<Self> {
        if depth > 64 {
            return None;
        }
        match &expression.kind {
            ExprKind::Variable(name) => match &**name {
                "string" | "number" | "bool" | "any" => Some(Self::Leaf),
                _ => None,
            },
            ExprKind::Parenthesis(inner) => Self::parse_at(inner, depth + 1),
            ExprKind::FuncCall(call) if !call.namespaced => match (&*call.name, &*call.args) {
                ("list" | "set" | "map", [element]) => Some(Self::Collection(Box::new(
                    Self::parse_at(element, depth + 1)?,
                ))),
                (
                    "tuple",
                    [
                        Expression {
                            kind: ExprKind::Array(elements),
                            ..
                        },
                    ],
                ) => Some(Self::Tuple(
                    elements
                        .iter()
                        .map(|e| Self::parse_at(e, depth + 1))
                        .collect::<Option<Vec<_>>>()?,
                )),
                (
                    "object",
                    [
                        Expression {
                            kind: ExprKind::Object(object),
                            ..
                        },
                    ],
                ) => {
                    let mut attributes = Vec::new();
                    for (key, value) in object.iter() {
                        let name = match key {
                            ObjectKey::Ident(ident) => ident.to_string(),
                            ObjectKey::Expression(Expression {
                                kind: ExprKind::String(text),
                                ..
                            }) => text.to_string(),
                            ObjectKey::Expression(_) => return None,
                        };
                        attributes.push(Attribute::parse(name, value, depth + 1)?);
                    }
                    Some(Self::Object(attributes))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Fills in the optional attributes `value` leaves out (or sets to null),
    /// in it and in every object it holds. `default` evaluates a default
    /// where it is written.
    pub fn fill(&self, value: &mut Node, default: &mut dyn FnMut(&Expression) -> Node) {
        match (self, &mut value.value) {
            (Self::Object(attributes), Value::Map(map)) => {
                // Grown here, once, rather than an entry at a time: an
                // evaluated map is a boxed slice.
                let mut entries = std::mem::take(map).into_vec();
                for attribute in attributes {
                    let position = entries.iter().position(|(k, _)| *k == attribute.name);
                    let missing = position.is_none_or(|i| entries[i].1.is_null());
                    if missing && attribute.optional {
                        let filled = match attribute.default {
                            Some(expression) => default(expression),
                            // Left out without a default: null.
                            None => Node::new(Value::Null, None),
                        };
                        match position {
                            Some(i) if attribute.default.is_some() => entries[i].1 = filled,
                            Some(_) => {}
                            None => entries.push((attribute.name.as_str().into(), filled)),
                        }
                    }
                    if let Some((_, found)) = entries.iter_mut().find(|(k, _)| *k == attribute.name)
                    {
                        attribute.kind.fill(found, default);
                    }
                }
                *map = entries.into();
            }
            (Self::Collection(element), Value::List(items)) => {
                for item in items {
                    element.fill(item, default);
                }
            }
            (Self::Collection(element), Value::Map(entries)) => {
                for (_, item) in entries {
                    element.fill(item, default);
                }
            }
            (Self::Tuple(elements), Value::List(items)) => {
                for (element, item) in elements.iter().zip(items) {
                    element.fill(item, default);
                }
            }
            _ => {}
        }
    }
}

impl<'e> Attribute<'e> {
    fn parse(name: String, expression: &'e Expression, depth: usize) -> Option<Self> {
        if let ExprKind::FuncCall(call) = &expression.kind
            && !call.namespaced
            && &*call.name == "optional"
        {
            let (kind, default) = match &*call.args {
                [kind] => (kind, None),
                [kind, default] => (kind, Some(default)),
                _ => return None,
            };
            return Some(Self {
                name,
                kind: Type::parse_at(kind, depth)?,
                optional: true,
                default,
            });
        }
        Some(Self {
            name,
            kind: Type::parse_at(expression, depth)?,
            optional: false,
            default: None,
        })
    }
}
