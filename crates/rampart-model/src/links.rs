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

use crate::scopes::ranges_by_scope;

/// The resources of a project by scope and address. It keeps indices into
/// the project's resources, not their addresses: a map of every address
/// held each one twice (about 18 MiB at 100,000 files, at the scan's peak).
/// Scopes are numbered (see `Scopes`).
#[derive(Debug, Default)]
pub struct Links {
    /// Each scope's share of `entries`, by scope number.
    scopes: Vec<Range<usize>>,
    /// Resource indices, by scope, then the hash of their address, then
    /// index. A counted resource is listed again, marked with [`BASE`],
    /// under its address without the instance key (`aws_subnet.private`),
    /// which a splat (`aws_subnet.private[*]`) names.
    entries: Vec<u32>,
    /// The hash of each entry's address ([`address_hash`]), by the same
    /// index. A search compares these, not the addresses: each address is
    /// behind two pointers (the resource, then its text), and a binary search
    /// that followed them missed the cache at every step.
    hashes: Vec<u32>,
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

/// An address's hash, to order and find entries by. Two addresses may share
/// one: a search compares the addresses of the entries it finds.
fn address_hash(address: &str) -> u32 {
    use std::hash::BuildHasher;
    // Fixed, so that the order of the entries is the same from run to run.
    let hash = foldhash::fast::FixedState::with_seed(0).hash_one(address);
    // The high half: foldhash mixes its last step into it.
    (hash >> 32) as u32
}

impl Links {
    /// Indexes `resources` by their scope (`scopes`, by the same index:
    /// numbers below `scope_count`).
    pub fn build(resources: &[Box<Resource>], scopes: &[u32], scope_count: usize) -> Self {
        // Scope, hash, entry.
        let mut keyed: Vec<(u32, u32, u32)> = Vec::with_capacity(resources.len());
        for (i, (resource, &scope)) in resources.iter().zip(scopes).enumerate() {
            // No scan holds two billion resources; one past that is not linked.
            let Some(entry) = u32::try_from(i).ok().filter(|entry| entry & BASE == 0) else {
                break;
            };
            let address = resource.address.as_str();
            keyed.push((scope, address_hash(address), entry));
            if let Some(base) = without_instance_key(address) {
                keyed.push((scope, address_hash(base), entry | BASE));
            }
        }
        // Resource by resource within a hash: a search then finds an
        // address's entries in index order.
        keyed.par_sort_unstable_by_key(|&(scope, hash, entry)| (scope, hash, index_of(entry)));
        Self {
            scopes: ranges_by_scope(keyed.iter().map(|&(scope, ..)| scope), scope_count),
            hashes: keyed.iter().map(|&(_, hash, _)| hash).collect(),
            entries: keyed.into_iter().map(|(.., entry)| entry).collect(),
        }
    }

    /// The resources an address names in a scope (`aws_subnet.private[*]`
    /// and `aws_subnet.private` name every instance), in index order;
    /// `resources` are those the links were built from.
    pub fn find<'a>(
        &'a self,
        resources: &'a [Box<Resource>],
        scope: u32,
        address: &'a str,
    ) -> impl Iterator<Item = usize> + 'a {
        let address = address.strip_suffix("[*]").unwrap_or(address);
        let range = (self.scopes.get(scope as usize)).map_or(0..0, Clone::clone);
        let (hashes, entries) = (self.hashes.get(range.clone()), self.entries.get(range));
        let (hashes, entries) = (hashes.unwrap_or_default(), entries.unwrap_or_default());
        let wanted = address_hash(address);
        let start = hashes.partition_point(|&hash| hash < wanted);
        let len = (hashes.get(start..).unwrap_or_default()).partition_point(|&hash| hash == wanted);
        (entries.get(start..start + len).unwrap_or_default().iter())
            .filter(move |&&entry| key_of(resources, entry) == address)
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
