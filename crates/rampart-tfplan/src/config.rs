//! The `configuration` part of a plan: each resource block's unevaluated
//! expressions, found by module and resource, and what they tell about an
//! unknown value.

use std::collections::HashMap;

use rampart_iac::BlockKind;
use rampart_yaml::Node as Json;

use crate::address::{self, Step};
use crate::json;

/// Resource blocks' `expressions`, by module call path and resource.
#[derive(Default)]
pub(crate) struct Configuration<'j> {
    expressions: HashMap<String, &'j Json>,
    /// Whether modules nest deeper than the reader follows.
    pub(crate) too_deep: bool,
}

fn key(calls: &[&str], local: &str) -> String {
    format!("{}\u{0}{local}", calls.join("."))
}

impl<'j> Configuration<'j> {
    pub(crate) fn new(configuration: Option<&'j Json>, max_depth: usize) -> Self {
        let mut index = Self::default();
        if let Some(root) = configuration.and_then(|c| c.get("root_module")) {
            index.module(root, &mut Vec::new(), max_depth);
        }
        index
    }

    fn module(&mut self, module: &'j Json, calls: &mut Vec<&'j str>, max_depth: usize) {
        for resource in module.get("resources").map_or(&[][..], Json::items) {
            if let (Some(local), Some(expressions)) =
                (json::text(resource, "address"), resource.get("expressions"))
            {
                self.expressions
                    .entry(key(calls, local))
                    .or_insert(expressions);
            }
        }
        for call in module.get("module_calls").map_or(&[][..], Json::entries) {
            let (Some(name), Some(child)) = (call.key.as_str(), call.value.get("module")) else {
                continue;
            };
            if calls.len() >= max_depth {
                self.too_deep = true;
                continue;
            }
            calls.push(name);
            self.module(child, calls, max_depth);
            calls.pop();
        }
    }

    /// The expressions of the block that declares a resource instance of
    /// module instance `module` (`module.vpc[0]`).
    pub(crate) fn expressions(
        &self,
        module: &str,
        kind: BlockKind,
        resource_type: &str,
        name: &str,
    ) -> Option<&'j Json> {
        let calls = address::module_calls(module)?;
        let local = match kind {
            BlockKind::Data => format!("data.{resource_type}.{name}"),
            _ => format!("{resource_type}.{name}"),
        };
        self.expressions.get(&key(&calls, &local)).copied()
    }
}

/// Whether a node is an expression representation (`{"constant_value": …}`,
/// `{"references": […]}`, or `{}` for an expression that is neither) rather
/// than a nested block.
pub(crate) fn is_expression(node: &Json) -> bool {
    node.is_map()
        && node
            .entries()
            .iter()
            .all(|e| matches!(e.key.as_str(), Some("constant_value" | "references")))
}

/// The references an expression records.
pub(crate) fn references(expression: &Json) -> Vec<&str> {
    expression
        .get("references")
        .map_or(&[][..], Json::items)
        .iter()
        .filter_map(json::string)
        .collect()
}

/// The resource attribute an unknown value at `path` of a resource comes from,
/// when the block's expressions show it: the argument written at `path` (or a
/// one-element list there) is an expression whose references are a single
/// chain to one resource attribute. Nested blocks are followed only when the
/// configuration and the value both have exactly one, so that a set's order or
/// a `dynamic` block cannot pair the wrong block with the value.
pub(crate) fn reference_at<'j>(expressions: &'j Json, path: &[Step]) -> Option<(&'j str, &'j str)> {
    let mut block = expressions;
    let mut i = 0;
    loop {
        let Step::Key(key) = path.get(i)? else {
            return None;
        };
        let mut child = block.get(key)?;
        i += 1;
        if child.is_seq() {
            let (Some(Step::Index { len: 1, .. }), [only]) = (path.get(i), child.items()) else {
                return None;
            };
            child = only;
            i += 1;
        }
        if is_expression(child) {
            let whole = matches!(&path[i..], [] | [Step::Index { index: 0, len: 1 }]);
            if !whole || child.get("constant_value").is_some() {
                return None;
            }
            return address::single_resource_reference(&references(child));
        }
        if !child.is_map() {
            return None;
        }
        block = child;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_yaml::{Limits, parse_stream};

    fn json(text: &str) -> Json {
        let mut parsed = parse_stream(text, "t.json", &Limits::default());
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        parsed.documents.remove(0).root
    }

    fn key(k: &str) -> Step {
        Step::Key(k.into())
    }

    const EXPRESSIONS: &str = r#"{
        "vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]},
        "name": {"constant_value": "web"},
        "security_groups": {"references": ["aws_security_group.a.id", "aws_security_group.a"]},
        "subnet_ids": {"references": ["aws_subnet.a.id", "aws_subnet.a", "aws_subnet.b.id", "aws_subnet.b"]},
        "timeouts": {"create": {"references": ["var.timeout"]}},
        "root_block_device": [{"kms_key_id": {"references": ["aws_kms_key.ebs.arn", "aws_kms_key.ebs"]}}],
        "ingress": [
            {"security_groups": {"references": ["aws_security_group.lb.id", "aws_security_group.lb"]}},
            {"cidr_blocks": {"constant_value": ["10.0.0.0/8"]}}
        ]
    }"#;

    #[test]
    fn a_single_reference_names_the_attribute() {
        let exprs = json(EXPRESSIONS);
        assert_eq!(
            reference_at(&exprs, &[key("vpc_id")]),
            Some(("aws_vpc.main", "id"))
        );
        // `[aws_security_group.a.id]`: the only element of a list.
        let element = [key("security_groups"), Step::Index { index: 0, len: 1 }];
        assert_eq!(
            reference_at(&exprs, &element),
            Some(("aws_security_group.a", "id"))
        );
        // A one-block list is matched to a one-block value.
        let nested = [
            key("root_block_device"),
            Step::Index { index: 0, len: 1 },
            key("kms_key_id"),
        ];
        assert_eq!(
            reference_at(&exprs, &nested),
            Some(("aws_kms_key.ebs", "arn"))
        );
    }

    #[test]
    fn anything_ambiguous_is_no_reference() {
        let exprs = json(EXPRESSIONS);
        let at = |path: &[Step]| reference_at(&exprs, path);
        assert_eq!(
            at(&[key("subnet_ids"), Step::Index { index: 1, len: 2 }]),
            None
        );
        assert_eq!(at(&[key("name")]), None);
        assert_eq!(at(&[key("id")]), None);
        assert_eq!(at(&[key("timeouts"), key("create")]), None);
        // Two ingress blocks in the configuration: no pairing by position.
        let ingress = [
            key("ingress"),
            Step::Index { index: 0, len: 2 },
            key("security_groups"),
        ];
        assert_eq!(at(&ingress), None);
        // Deeper than the argument itself.
        assert_eq!(at(&[key("vpc_id"), key("x")]), None);
        assert_eq!(at(&[]), None);
    }

    #[test]
    fn expressions_are_found_through_module_instances() {
        let config = json(
            r#"{"root_module": {
                "resources": [{"address": "aws_vpc.main", "expressions": {"a": {}}}],
                "module_calls": {"network": {"module": {
                    "resources": [{"address": "data.aws_x.y", "expressions": {"b": {}}}]
                }}}
            }}"#,
        );
        let index = Configuration::new(Some(&config), 8);
        assert!(
            index
                .expressions("", BlockKind::Resource, "aws_vpc", "main")
                .is_some()
        );
        let data = index.expressions("module.network[\"a\"]", BlockKind::Data, "aws_x", "y");
        assert!(data.is_some_and(|e| e.get("b").is_some()));
        assert!(
            index
                .expressions("module.network", BlockKind::Resource, "aws_x", "y")
                .is_none()
        );
        assert!(!index.too_deep);
        assert!(Configuration::new(Some(&config), 0).too_deep);
    }
}
