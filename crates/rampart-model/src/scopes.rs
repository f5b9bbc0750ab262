//! The scopes where a resource's address means something: a Terraform root
//! module's directory, a CloudFormation template's or a plan's file. A scan
//! holds a hundred thousand resources in a few thousand scopes: each
//! resource names its scope by number.

use std::ops::Range;

use crate::project::FastMap;

/// Scope names, each numbered once.
#[derive(Debug, Default)]
pub(crate) struct Scopes {
    names: Vec<String>,
    ids: FastMap<String, u32>,
}

impl Scopes {
    /// The number of `name`, given it if it has none yet.
    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        // No scan has four billion scopes; past that, names share the last.
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), id);
        id
    }

    /// The number of `name`, if a resource is in it.
    pub(crate) fn id(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    /// The name of scope `id` (empty for a number no scope has).
    pub(crate) fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", String::as_str)
    }

    /// How many scopes there are: every number is below it.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }
}

/// Where each scope's items are in a list sorted by scope number: `scopes`
/// are the items' numbers in the list's order, all below `scope_count`.
pub(crate) fn ranges_by_scope(
    scopes: impl IntoIterator<Item = u32>,
    scope_count: usize,
) -> Vec<Range<usize>> {
    let mut ranges = vec![0..0; scope_count];
    for (at, scope) in scopes.into_iter().enumerate() {
        if let Some(range) = ranges.get_mut(scope as usize) {
            if range.start == range.end {
                range.start = at;
            }
            range.end = at + 1;
        }
    }
    ranges
}

/// The items of `sorted` (sorted by `key`) whose key is `wanted`.
pub(crate) fn run_of<'a, 'k>(
    sorted: &'a [u32],
    key: impl Fn(u32) -> &'k str,
    wanted: &str,
) -> &'a [u32] {
    let start = sorted.partition_point(|&item| key(item) < wanted);
    let rest = sorted.get(start..).unwrap_or_default();
    let len = rest.partition_point(|&item| key(item) == wanted);
    rest.get(..len).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_numbered_once() {
        let mut scopes = Scopes::default();
        let infra = scopes.intern("infra");
        let stack = scopes.intern("stack.yaml");
        assert_eq!(scopes.intern("infra"), infra);
        assert_ne!(infra, stack);
        assert_eq!(scopes.len(), 2);
        assert_eq!(scopes.name(stack), "stack.yaml");
        assert_eq!(scopes.id("infra"), Some(infra));
        assert_eq!(scopes.id("elsewhere"), None);
        assert_eq!(scopes.name(7), "");
    }

    #[test]
    fn sorted_lists_are_split_by_scope_and_by_key() {
        assert_eq!(
            ranges_by_scope([0, 0, 2, 2, 2], 4),
            [0..2, 0..0, 2..5, 0..0]
        );
        let keys = ["a", "b", "b", "c"];
        let key = |item: u32| keys[item as usize];
        assert_eq!(run_of(&[0, 1, 2, 3], key, "b"), [1, 2]);
        assert!(run_of(&[0, 1, 2, 3], key, "bb").is_empty());
        assert!(run_of(&[], key, "a").is_empty());
    }
}
