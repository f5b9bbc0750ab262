//! References between infrastructure resources, resolved.
//!
//! Terraform writes `vpc_id = aws_vpc.main.id`, CloudFormation `VpcId: !Ref
//! Vpc`; both evaluate to an `Unknown::Reference` naming the other resource.
//! This index turns such a reference into the resources it names, within the
//! scope where the address means something (a Terraform root module, a
//! template or plan file).

use std::collections::HashMap;

use foldhash::fast::RandomState;

use rampart_iac::{Node, Resource, Unknown, Value};

#[derive(Debug, Default)]
pub struct Links {
    /// scope → address → resources. Counted resources are also indexed under
    /// their address without the instance key (`aws_subnet.private`), which a
    /// splat (`aws_subnet.private[*]`) names. Nested rather than keyed by the
    /// pair so that a lookup borrows its strings instead of copying them.
    by_address: HashMap<String, HashMap<String, Vec<usize>, RandomState>, RandomState>,
}

/// `aws_subnet.private[0]` → `aws_subnet.private`.
fn without_instance_key(address: &str) -> Option<&str> {
    address
        .strip_suffix(']')
        .and_then(|a| a.rfind('[').map(|i| &address[..i]))
}

impl Links {
    pub fn build(resources: &[Resource], scopes: &[String]) -> Self {
        let mut by_address: HashMap<String, HashMap<String, Vec<usize>, RandomState>, RandomState> =
            HashMap::default();
        for (i, (resource, scope)) in resources.iter().zip(scopes).enumerate() {
            if !by_address.contains_key(scope.as_str()) {
                by_address.insert(scope.clone(), HashMap::default());
            }
            let Some(addresses) = by_address.get_mut(scope.as_str()) else {
                continue;
            };
            addresses
                .entry(resource.address.clone())
                .or_default()
                .push(i);
            if let Some(base) = without_instance_key(&resource.address) {
                match addresses.get_mut(base) {
                    Some(indices) => indices.push(i),
                    None => {
                        addresses.insert(base.to_owned(), vec![i]);
                    }
                }
            }
        }
        Self { by_address }
    }

    /// The resources an address names in a scope (`aws_subnet.private[*]` and
    /// `aws_subnet.private` name every instance).
    pub fn find(&self, scope: &str, address: &str) -> &[usize] {
        let address = address.strip_suffix("[*]").unwrap_or(address);
        self.by_address
            .get(scope)
            .and_then(|addresses| addresses.get(address))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The resources a value refers to (a reference, or a list of them), with
    /// the attribute each reference reads (`id`, `arn`, `""` for a bare `!Ref`).
    pub fn targets<'n>(&self, scope: &str, node: &'n Node) -> Vec<(usize, &'n str)> {
        let mut out = Vec::new();
        let mut stack = vec![node];
        while let Some(node) = stack.pop() {
            match &node.value {
                Value::Unknown(Unknown::Reference { address, attribute }) => {
                    for &target in self.find(scope, address) {
                        out.push((target, attribute.as_str()));
                    }
                }
                Value::List(items) => stack.extend(items.iter().rev()),
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_iac::{BlockKind, Language};
    use rampart_source::{FileId, Span};

    fn resource(address: &str) -> Resource {
        Resource {
            language: Language::Terraform,
            kind: BlockKind::Resource,
            file: FileId(0),
            span: Span::default(),
            resource_type: "aws_subnet".into(),
            address: address.into(),
            module: String::new(),
            attributes: Node::new(Value::Map(Vec::new()), None),
        }
    }

    #[test]
    fn references_find_instances_within_their_scope() {
        let resources = vec![
            resource("aws_subnet.a[0]"),
            resource("aws_subnet.a[1]"),
            resource("aws_vpc.v"),
        ];
        let scopes = vec!["infra".to_owned(), "infra".to_owned(), "other".to_owned()];
        let links = Links::build(&resources, &scopes);
        assert_eq!(links.find("infra", "aws_subnet.a[*]"), [0, 1]);
        assert_eq!(links.find("infra", "aws_subnet.a[1]"), [1]);
        assert!(links.find("infra", "aws_vpc.v").is_empty());
        let reference = Node::new(
            Value::List(vec![Node::unknown(
                Unknown::Reference {
                    address: "aws_subnet.a[0]".into(),
                    attribute: "id".into(),
                },
                None,
            )]),
            None,
        );
        assert_eq!(links.targets("infra", &reference), [(0, "id")]);
    }
}
