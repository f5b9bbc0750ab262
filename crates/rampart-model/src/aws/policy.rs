//! IAM-style policy documents, whichever way they were written: a JSON string
//! (`policy = jsonencode({...})`, a heredoc, `file()` is unknown), the
//! structure itself (`jsonencode` of a value with parts known only after apply
//! keeps its structure, see rampart-terraform), a CloudFormation
//! `PolicyDocument` mapping, or the statement blocks of Terraform's
//! `aws_iam_policy_document` data source. Rules read [`Statement`]s.

use std::borrow::Cow;

use rampart_iac::{Node, Value};

/// JSON deeper than this is not a policy anyone wrote; it is not read.
const MAX_DEPTH: usize = 32;

/// A JSON attribute as a value: parsed when it is a string (every part takes
/// the string's position), as is when it is already a structure. `None` when
/// it is unknown or not JSON.
pub fn json_document(node: &Node) -> Option<Cow<'_, Node>> {
    match &node.value {
        Value::String(text) => {
            let json: serde_json::Value = serde_json::from_str(text).ok()?;
            from_json(&json, node, 0).map(Cow::Owned)
        }
        Value::Map(_) | Value::List(_) => Some(Cow::Borrowed(node)),
        _ => None,
    }
}

/// A JSON attribute as JSON text: the string itself, or the structure that
/// `jsonencode` kept because some parts are known only after apply, encoded
/// with those parts as `null`. For rules that read JSON text field by field.
pub fn json_text(node: &Node) -> Option<Cow<'_, str>> {
    match &node.value {
        Value::String(text) => Some(Cow::Borrowed(text)),
        Value::Map(_) | Value::List(_) => to_json(node, 0).map(|json| Cow::Owned(json.to_string())),
        _ => None,
    }
}

fn to_json(node: &Node, depth: usize) -> Option<serde_json::Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    Some(match &node.value {
        Value::Null | Value::Unknown(_) => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => serde_json::Number::from_f64(*n)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::String(text) => serde_json::Value::String(text.to_string()),
        Value::List(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|item| to_json(item, depth + 1))
                .collect::<Option<_>>()?,
        ),
        Value::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| Some((k.to_string(), to_json(v, depth + 1)?)))
                .collect::<Option<_>>()?,
        ),
    })
}

fn from_json(json: &serde_json::Value, at: &Node, depth: usize) -> Option<Node> {
    if depth > MAX_DEPTH {
        return None;
    }
    let value = match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64()?),
        serde_json::Value::String(s) => Value::String(s.as_str().into()),
        serde_json::Value::Array(items) => Value::List(
            items
                .iter()
                .map(|item| from_json(item, at, depth + 1))
                .collect::<Option<_>>()?,
        ),
        serde_json::Value::Object(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| Some((k.as_str().into(), from_json(v, at, depth + 1)?)))
                .collect::<Option<_>>()?,
        ),
    };
    Some(Node::new(value, at.origin))
}

/// One statement of a policy.
#[derive(Debug)]
pub struct Statement<'a> {
    /// `Allow` unless the statement says `Deny` (the data source defaults to
    /// `Allow` too).
    pub allow: bool,
    /// `Action`/`actions` entries; each node is one action string or unknown.
    pub actions: Vec<&'a Node>,
    /// Whether `NotAction` is used (every action but these).
    pub not_action: bool,
    /// `Resource`/`resources` entries.
    pub resources: Vec<&'a Node>,
    /// Principals: every identifier of every type (`"*"` written as
    /// `Principal: "*"` is one entry `*` of type `*`).
    pub principals: Vec<(&'a str, &'a Node)>,
    /// Whether the statement has any condition.
    pub conditional: bool,
    /// The statement, to report at.
    pub node: &'a Node,
}

impl<'a> Statement<'a> {
    /// The principal written as everyone (`"*"`, or `{"AWS": "*"}`), if any.
    pub fn wildcard_principal(&self) -> Option<&'a Node> {
        self.principals
            .iter()
            .find(|(kind, id)| {
                (*kind == "*" || kind.eq_ignore_ascii_case("AWS")) && id.as_str() == Some("*")
            })
            .map(|(_, id)| *id)
    }
}

/// The statements of a JSON policy document (`{"Statement": [...]}` or a
/// single statement object).
pub fn json_statements(document: &Node) -> Vec<Statement<'_>> {
    let Some(statement) = document.get("Statement") else {
        return Vec::new();
    };
    let nodes: Vec<&Node> = match &statement.value {
        Value::List(items) => items.iter().collect(),
        Value::Map(_) => vec![statement],
        _ => Vec::new(),
    };
    nodes
        .into_iter()
        .filter(|n| matches!(n.value, Value::Map(_)))
        .map(|node| {
            let (actions, not_action) = match node.get("Action") {
                Some(action) => (one_or_many(action), false),
                None => (
                    node.get("NotAction").map(one_or_many).unwrap_or_default(),
                    true,
                ),
            };
            let resources = node
                .get("Resource")
                .or_else(|| node.get("NotResource"))
                .map(one_or_many)
                .unwrap_or_default();
            let principals = match node.get("Principal") {
                Some(p) if p.as_str().is_some() => vec![("*", p)],
                Some(p) => p
                    .entries()
                    .iter()
                    .flat_map(|(kind, ids)| {
                        one_or_many(ids)
                            .into_iter()
                            .map(move |id| (kind.as_str(), id))
                    })
                    .collect(),
                None => Vec::new(),
            };
            Statement {
                allow: node.get("Effect").and_then(Node::as_str) != Some("Deny"),
                actions,
                not_action,
                resources,
                principals,
                conditional: node
                    .get("Condition")
                    .is_some_and(|c| !c.entries().is_empty()),
                node,
            }
        })
        .collect()
}

/// The `statement` blocks of an `aws_iam_policy_document` data source.
pub fn data_source_statements(attributes: &Node) -> Vec<Statement<'_>> {
    attributes
        .get("statement")
        .map(|s| s.blocks().collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|node| {
            let (actions, not_action) = match node.get("actions") {
                Some(actions) => (one_or_many(actions), false),
                None => (
                    node.get("not_actions").map(one_or_many).unwrap_or_default(),
                    true,
                ),
            };
            let resources = node
                .get("resources")
                .or_else(|| node.get("not_resources"))
                .map(one_or_many)
                .unwrap_or_default();
            let principals = node
                .get("principals")
                .map(|p| p.blocks().collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .flat_map(|block| {
                    let kind = block.get("type").and_then(Node::as_str).unwrap_or("");
                    block
                        .get("identifiers")
                        .map(one_or_many)
                        .unwrap_or_default()
                        .into_iter()
                        .map(move |id| (kind, id))
                })
                .collect();
            Statement {
                allow: node.get("effect").and_then(Node::as_str) != Some("Deny"),
                actions,
                not_action,
                resources,
                principals,
                conditional: node.get("condition").is_some_and(|c| !c.items().is_empty()),
                node,
            }
        })
        .collect()
}

/// A string or a list of them, as the list of its entries.
fn one_or_many(node: &Node) -> Vec<&Node> {
    match &node.value {
        Value::List(items) => items.iter().collect(),
        _ => vec![node],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Node {
        Node::new(Value::String(text.into()), None)
    }

    #[test]
    fn json_strings_and_structures_read_the_same() {
        let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":["*"]}}"#;
        let node = s(text);
        let parsed = json_document(&node).unwrap();
        let statements = json_statements(&parsed);
        assert_eq!(statements.len(), 1);
        assert!(statements[0].allow);
        assert_eq!(statements[0].actions[0].as_str(), Some("*"));
        assert_eq!(statements[0].resources[0].as_str(), Some("*"));
        assert!(json_document(&s("not json")).is_none());
    }

    #[test]
    fn principals_in_every_spelling() {
        let text = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},
            {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root","*"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}},
            {"Effect":"Deny","NotAction":"s3:*","Resource":"*"}]}"#;
        let node = s(text);
        let parsed = json_document(&node).unwrap();
        let statements = json_statements(&parsed);
        assert_eq!(statements[0].principals[0].0, "*");
        assert_eq!(statements[1].principals.len(), 2);
        assert!(statements[1].conditional);
        assert!(!statements[2].allow && statements[2].not_action);
    }

    #[test]
    fn structures_become_json_text_with_unknowns_as_null() {
        let node = Node::new(
            Value::Map(
                vec![
                    ("password".into(), s("hunter2-Sup3rSecret!")),
                    (
                        "host".into(),
                        Node::unknown(
                            rampart_iac::Unknown::Reference {
                                address: "aws_db_instance.db".into(),
                                attribute: "address".into(),
                            },
                            None,
                        ),
                    ),
                ]
                .into(),
            ),
            None,
        );
        assert_eq!(
            json_text(&node).unwrap(),
            r#"{"host":null,"password":"hunter2-Sup3rSecret!"}"#
        );
        assert_eq!(json_text(&s("{}")).unwrap(), "{}");
    }

    #[test]
    fn deep_json_is_not_read() {
        let text = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        assert!(json_document(&s(&text)).is_none());
    }
}
