//! Terraform addresses as the plan writes them: `module.vpc[0].aws_subnet.private["a"]`,
//! references such as `aws_vpc.main.id`, and attribute paths for messages.

/// One step into a value: an object key or a list index (with the list's length,
/// which decides whether a configuration block can be matched to it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index { index: usize, len: usize },
}

/// `aws_security_group.web.ingress[0].cidr_blocks`, `….tags["kubernetes.io/role"]`.
pub(crate) fn render(address: &str, path: &[Step]) -> String {
    let mut out = address.to_owned();
    for step in path {
        match step {
            Step::Key(key) if is_identifier(key) => {
                out.push('.');
                out.push_str(key);
            }
            Step::Key(key) => out.push_str(&format!("[{key:?}]")),
            Step::Index { index, .. } => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

fn is_identifier(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn identifier_len(text: &str) -> usize {
    text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(text.len())
}

/// The rest of `text` after an instance key (`[0]`, `["a.b"]`) at its start.
fn skip_key(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('[')?;
    if let Some(quoted) = inner.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in quoted.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => return quoted[i + 1..].strip_prefix(']'),
                _ => {}
            }
        }
        None
    } else {
        let digits = inner
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(inner.len());
        (digits > 0).then(|| inner[digits..].strip_prefix(']'))?
    }
}

/// Splits an absolute resource address into its module instance and the
/// resource within it: `module.a[0].module.b.aws_x.y[1]` → (`module.a[0].module.b`,
/// `aws_x.y[1]`). `None` when the module part is malformed.
pub(crate) fn split_module(address: &str) -> Option<(&str, &str)> {
    let mut consumed = 0;
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        let name = identifier_len(after);
        if name == 0 {
            return None;
        }
        let mut tail = &after[name..];
        if tail.starts_with('[') {
            tail = skip_key(tail)?;
        }
        let tail = tail.strip_prefix('.')?;
        consumed += rest.len() - tail.len();
        rest = tail;
    }
    let module = &address[..consumed];
    Some((module.strip_suffix('.').unwrap_or(module), rest))
}

/// The module call names of a module instance address: `module.a[0].module.b`
/// → `["a", "b"]`, which is how the configuration nests them.
pub(crate) fn module_calls(module: &str) -> Option<Vec<&str>> {
    let mut calls = Vec::new();
    let mut rest = module;
    while !rest.is_empty() {
        let after = rest.strip_prefix("module.")?;
        let name = identifier_len(after);
        if name == 0 {
            return None;
        }
        calls.push(&after[..name]);
        rest = &after[name..];
        if rest.starts_with('[') {
            rest = skip_key(rest)?;
        }
        if let Some(tail) = rest.strip_prefix('.') {
            if tail.is_empty() {
                return None;
            }
            rest = tail;
        } else if !rest.is_empty() {
            return None;
        }
    }
    Some(calls)
}

/// Names that start a reference to something that is not a resource.
const NOT_RESOURCES: &[&str] = &[
    "var",
    "local",
    "module",
    "count",
    "each",
    "path",
    "terraform",
    "self",
    "ephemeral",
    "action",
    "run",
    "check",
];

/// A reference to a resource attribute, split into the resource
/// (`data.aws_x.y[0]`) and the attribute path (`id`, `tags.Name`).
fn resource_attribute(reference: &str) -> Option<(&str, &str)> {
    let (mode_len, rest) = match reference.strip_prefix("data.") {
        Some(rest) => (5, rest),
        None => (0, reference),
    };
    let type_len = identifier_len(rest);
    if type_len == 0 || (mode_len == 0 && NOT_RESOURCES.contains(&&rest[..type_len])) {
        return None;
    }
    let after_type = rest[type_len..].strip_prefix('.')?;
    let name_len = identifier_len(after_type);
    if name_len == 0 {
        return None;
    }
    let mut tail = &after_type[name_len..];
    if tail.starts_with('[') {
        tail = skip_key(tail)?;
    }
    let attribute = tail.strip_prefix('.')?;
    if attribute.is_empty() {
        return None;
    }
    let subject_len = reference.len() - tail.len();
    Some((&reference[..subject_len], attribute))
}

/// Whether `longer` continues the reference `shorter` (`aws_x.y.id` continues
/// `aws_x.y`, `aws_x.y[0]` continues `aws_x.y`, `aws_x.yz` does not).
fn continues(longer: &str, shorter: &str) -> bool {
    longer == shorter
        || longer
            .strip_prefix(shorter)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// The resource attribute an expression reads, when its `references` name a
/// single chain (`["aws_vpc.main.id", "aws_vpc.main"]`) that starts at a
/// managed or data resource and goes on to an attribute. Anything else (two
/// resources, a variable, `count.index`, a whole resource) is `None`.
pub(crate) fn single_resource_reference<'a>(references: &[&'a str]) -> Option<(&'a str, &'a str)> {
    let longest = references.iter().copied().max_by_key(|r| r.len())?;
    if !references.iter().all(|r| continues(longest, r)) {
        return None;
    }
    resource_attribute(longest)
}

/// The references that no other reference continues: what an expression reads,
/// without the shorter forms Terraform adds (`var.region`, not also `var`).
pub(crate) fn leaf_references<'a>(references: &[&'a str]) -> Vec<&'a str> {
    let mut leaves: Vec<&str> = Vec::new();
    for r in references {
        let extended = references.iter().any(|o| o != r && continues(o, r));
        if !extended && !leaves.contains(r) {
            leaves.push(r);
        }
    }
    leaves
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_like_terraform() {
        let path = [
            Step::Key("ingress".into()),
            Step::Index { index: 0, len: 2 },
            Step::Key("cidr_blocks".into()),
        ];
        assert_eq!(
            render("aws_security_group.web", &path),
            "aws_security_group.web.ingress[0].cidr_blocks"
        );
        let tag = [
            Step::Key("tags".into()),
            Step::Key("kubernetes.io/role".into()),
        ];
        assert_eq!(render("x.y", &tag), "x.y.tags[\"kubernetes.io/role\"]");
    }

    #[test]
    fn module_instances_are_split_off() {
        assert_eq!(split_module("aws_vpc.main"), Some(("", "aws_vpc.main")));
        assert_eq!(
            split_module("module.vpc.aws_subnet.private[0]"),
            Some(("module.vpc", "aws_subnet.private[0]"))
        );
        assert_eq!(
            split_module(r#"module.a["x.y]z"].module.b[2].data.aws_x.y"#),
            Some((r#"module.a["x.y]z"].module.b[2]"#, "data.aws_x.y"))
        );
        assert_eq!(split_module("module..x.y"), None);
        assert_eq!(split_module(r#"module.a["open.x.y"#), None);
    }

    #[test]
    fn module_calls_drop_instance_keys() {
        assert_eq!(
            module_calls(r#"module.a[0].module.b["k"]"#),
            Some(vec!["a", "b"])
        );
        assert_eq!(module_calls(""), Some(vec![]));
        assert_eq!(module_calls("module.a."), None);
        assert_eq!(module_calls("modul.a"), None);
        assert_eq!(module_calls("module.a[x]"), None);
    }

    #[test]
    fn single_chains_to_a_resource_attribute_are_references() {
        assert_eq!(
            single_resource_reference(&["aws_vpc.main.id", "aws_vpc.main"]),
            Some(("aws_vpc.main", "id"))
        );
        assert_eq!(
            single_resource_reference(&[
                "data.aws_x.y[0].tags[\"Name\"]",
                "data.aws_x.y[0].tags",
                "data.aws_x.y[0]",
                "data.aws_x.y"
            ]),
            Some(("data.aws_x.y[0]", "tags[\"Name\"]"))
        );
        // Two resources, a variable, a whole resource, a dynamic index.
        assert_eq!(
            single_resource_reference(&["aws_a.x.id", "aws_a.x", "aws_b.y.id", "aws_b.y"]),
            None
        );
        assert_eq!(single_resource_reference(&["var.vpc_id"]), None);
        assert_eq!(single_resource_reference(&["aws_a.x"]), None);
        assert_eq!(
            single_resource_reference(&["aws_subnet.private", "count.index"]),
            None
        );
        assert_eq!(
            single_resource_reference(&["module.vpc.vpc_id", "module.vpc"]),
            None
        );
        assert_eq!(single_resource_reference(&[]), None);
        // `aws_a.xy` does not continue `aws_a.x`.
        assert_eq!(single_resource_reference(&["aws_a.xy.id", "aws_a.x"]), None);
    }

    #[test]
    fn leaves_are_the_longest_forms() {
        assert_eq!(
            leaf_references(&["var.tags", "aws_a.b.id", "aws_a.b", "var.tags"]),
            vec!["var.tags", "aws_a.b.id"]
        );
    }
}
