//! References between infrastructure resources, resolved.
//!
//! Terraform writes `vpc_id = aws_vpc.main.id`, CloudFormation `VpcId: !Ref
//! Vpc`; both evaluate to an `Unknown::Reference` naming the other resource.
//! This index turns such a reference into the resources it names, within the
//! scope where the address means something (a Terraform root module, a
//! template or plan file).

use std::ops::Range;

use rayon::prelude::*;

use rampart_iac::{Node, Resource, Unknown, Value};

use crate::scopes::{ranges_by_scope, run_of};

/// The resources of a project by scope and address. It keeps indices into
/// the project's resources, not their addresses: a map of every address
/// held each one twice (about 18 MiB at 100,000 files, at the scan's peak).
/// Scopes are numbered (see `Scopes`).
#[derive(Debug, Default)]
pub struct Links {
    /// Each scope's share of `entries`, by scope number.
    scopes: Vec<Range<usize>>,
    /// Resource indices, by scope, then address, then index. A counted
    /// resource is listed again, marked with [`BASE`], under its address
    /// without the instance key (`aws_subnet.private`), which a splat
    /// (`aws_subnet.private[*]`) names.
    entries: Vec<u32>,
}

/// Marks an entry of [`Links::entries`] listed under its address without
/// the instance key.
const BASE: u32 = 1 << 31;

/// `aws_subnet.private[0]` → `aws_subnet.private`.
fn without_instance_key(address: &str) -> Option<&str> {
    address
        .strip_suffix(']')
        .and_then(|a| a.rfind('[').map(|i| &address[..i]))
}

/// The resource an entry of [`Links::entries`] names.
fn index_of(entry: u32) -> usize {
    (entry & !BASE) as usize
}

/// The address an entry is listed under.
fn key_of(resources: &[Box<Resource>], entry: u32) -> &str {
    let address = resources
        .get(index_of(entry))
        .map_or("", |resource| resource.address.as_str());
    if entry & BASE == 0 {
        address
    } else {
        without_instance_key(address).unwrap_or(address)
    }
}

impl Links {
    /// Indexes `resources` by their scope (`scopes`, by the same index:
    /// numbers below `scope_count`).
    pub fn build(resources: &[Box<Resource>], scopes: &[u32], scope_count: usize) -> Self {
        let mut keyed: Vec<(u32, u32)> = Vec::with_capacity(resources.len());
        for (i, (resource, &scope)) in resources.iter().zip(scopes).enumerate() {
            // No scan holds two billion resources; one past that is not linked.
            let Some(entry) = u32::try_from(i).ok().filter(|entry| entry & BASE == 0) else {
                break;
            };
            keyed.push((scope, entry));
            if without_instance_key(&resource.address).is_some() {
                keyed.push((scope, entry | BASE));
            }
        }
        keyed.par_sort_unstable_by(|a, b| {
            (a.0.cmp(&b.0))
                .then_with(|| key_of(resources, a.1).cmp(key_of(resources, b.1)))
                .then_with(|| index_of(a.1).cmp(&index_of(b.1)))
        });
        Self {
            scopes: ranges_by_scope(keyed.iter().map(|&(scope, _)| scope), scope_count),
            entries: keyed.into_iter().map(|(_, entry)| entry).collect(),
        }
    }

    /// The resources an address names in a scope (`aws_subnet.private[*]`
    /// and `aws_subnet.private` name every instance), in index order;
    /// `resources` are those the links were built from.
    pub fn find<'a>(
        &'a self,
        resources: &'a [Box<Resource>],
        scope: u32,
        address: &str,
    ) -> impl Iterator<Item = usize> + 'a {
        let address = address.strip_suffix("[*]").unwrap_or(address);
        let entries = (self.scopes.get(scope as usize))
            .and_then(|range| self.entries.get(range.clone()))
            .unwrap_or_default();
        (run_of(entries, |entry| key_of(resources, entry), address).iter())
            .map(|&entry| index_of(entry))
    }

    /// The resources a value refers to (a reference, or a list of them), with
    /// the attribute each reference reads (`id`, `arn`, `""` for a bare `!Ref`).
    pub fn targets<'n>(
        &self,
        resources: &[Box<Resource>],
        scope: u32,
        node: &'n Node,
    ) -> Vec<(usize, &'n str)> {
        let mut out = Vec::new();
        let mut stack = vec![node];
        while let Some(node) = stack.pop() {
            match &node.value {
                Value::Unknown(unknown) => {
                    if let Unknown::Reference { address, attribute } = &**unknown {
                        for target in self.find(resources, scope, address) {
                            out.push((target, attribute.as_str()));
                        }
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

    fn resource(address: &str) -> Box<Resource> {
        Box::new(Resource {
            language: Language::Terraform,
            kind: BlockKind::Resource,
            file: FileId(0),
            span: Span::default(),
            resource_type: "aws_subnet".into(),
            address: address.into(),
            module: Default::default(),
            attributes: Node::new(Value::Map(Box::default()), None),
        })
    }

    #[test]
    fn references_find_instances_within_their_scope() {
        let resources = vec![
            resource("aws_subnet.a[0]"),
            resource("aws_subnet.a[1]"),
            resource("aws_vpc.v"),
        ];
        // Scopes by number: `infra` is 0, `other` 1, and 2 has nothing.
        let links = Links::build(&resources, &[0, 0, 1], 3);
        let find =
            |scope, address| -> Vec<usize> { links.find(&resources, scope, address).collect() };
        assert_eq!(find(0, "aws_subnet.a[*]"), [0, 1]);
        assert_eq!(find(0, "aws_subnet.a"), [0, 1]);
        assert_eq!(find(0, "aws_subnet.a[1]"), [1]);
        assert!(find(0, "aws_vpc.v").is_empty());
        assert_eq!(find(1, "aws_vpc.v"), [2]);
        assert!(find(2, "aws_vpc.v").is_empty());
        assert!(find(9, "aws_vpc.v").is_empty());
        let reference = Node::new(
            Value::List(
                vec![Node::unknown(
                    Unknown::Reference {
                        address: "aws_subnet.a[0]".into(),
                        attribute: "id".into(),
                    },
                    None,
                )]
                .into(),
            ),
            None,
        );
        assert_eq!(links.targets(&resources, 0, &reference), [(0, "id")]);
    }

    #[test]
    fn every_address_finds_what_a_search_of_every_resource_finds() {
        // Counted and plain resources sharing a base address, in scopes
        // that interleave, against a search of every resource.
        let addresses = [
            "aws_subnet.b[1]",
            "aws_subnet.b",
            "aws_subnet.b[0]",
            "aws_subnet.b[\"x\"]",
            "aws_subnet.c[0]",
            "aws_subnet.a",
            "module.m.aws_subnet.b[0]",
        ];
        let mut resources = Vec::new();
        let mut scopes: Vec<u32> = Vec::new();
        for (n, address) in addresses.iter().cycle().take(40).enumerate() {
            resources.push(resource(address));
            scopes.push([0, 1, 2][(n * 7 + n / 3) % 3]);
        }
        // Scope 3 has nothing.
        let links = Links::build(&resources, &scopes, 4);
        let questions = (addresses.iter())
            .map(|a| (*a).to_owned())
            .chain(["aws_subnet.b[*]".to_owned(), "aws_subnet".to_owned()]);
        for address in questions {
            for scope in 0..5 {
                let wanted = address.strip_suffix("[*]").unwrap_or(&address);
                let searched: Vec<usize> = (0..resources.len())
                    .filter(|&i| {
                        let own = resources[i].address.as_str();
                        scopes[i] == scope
                            && (own == wanted || without_instance_key(own) == Some(wanted))
                    })
                    .collect();
                let found: Vec<usize> = links.find(&resources, scope, &address).collect();
                assert_eq!(found, searched, "{scope} {address}");
            }
        }
    }
}
