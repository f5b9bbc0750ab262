use std::sync::LazyLock;

use crate::engine::Rule;

static ALL: LazyLock<Vec<&'static Rule>> = LazyLock::new(|| {
    let mut rules = crate::rules::all();
    rules.sort_by(|a, b| id_order(a.meta.id).cmp(&id_order(b.meta.id)));
    rules
});

/// `PSS-002` sorts before `PSS-010`, families alphabetically.
fn id_order(id: &str) -> (&str, u32) {
    let (family, number) = id.rsplit_once('-').unwrap_or((id, ""));
    (family, number.parse().unwrap_or(u32::MAX))
}

/// Every rule, ordered by id.
pub fn all_rules() -> &'static [&'static Rule] {
    &ALL
}

/// A rule by id (`PSS-001`, any case) or name (`privileged-container`).
pub fn find_rule(id_or_name: &str) -> Option<&'static Rule> {
    let wanted = id_or_name.trim();
    all_rules()
        .iter()
        .copied()
        .find(|r| r.meta.id.eq_ignore_ascii_case(wanted) || r.meta.name == wanted)
}

/// Whether `selector` picks `rule`: `ALL`, a rule id, a rule name, or a family
/// prefix (`PSS` picks `PSS-001`, `PSS-002`, …).
fn selects(selector: &str, rule: &Rule) -> bool {
    let selector = selector.trim();
    selector.eq_ignore_ascii_case("ALL")
        || rule.meta.id.eq_ignore_ascii_case(selector)
        || rule.meta.name == selector
        || rule
            .meta
            .id
            .rsplit_once('-')
            .is_some_and(|(family, _)| family.eq_ignore_ascii_case(selector))
}

/// Whether a selector names at least one rule.
pub fn is_known_selector(selector: &str) -> bool {
    all_rules().iter().any(|rule| selects(selector, rule))
}

/// The rules picked by `select` and not by `ignore` (which wins).
pub fn select_rules<S: AsRef<str>>(select: &[S], ignore: &[S]) -> Vec<&'static Rule> {
    all_rules()
        .iter()
        .copied()
        .filter(|rule| select.iter().any(|s| selects(s.as_ref(), rule)))
        .filter(|rule| !ignore.iter().any(|s| selects(s.as_ref(), rule)))
        .collect()
}
