use std::path::Path;

/// What a file is, as far as the parsers are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// YAML or JSON holding Kubernetes documents (`apiVersion` + `kind`).
    Kubernetes,
    Dockerfile,
}

/// How a file's name alone classifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameClass {
    Dockerfile,
    /// `.yaml`, `.yml`, `.json`: decided by content.
    Structured,
    Other,
}

/// `Dockerfile.prod` is a Dockerfile; `dockerfile.rs`, `Dockerfile.md` and
/// `Dockerfile.j2` (source, docs, a template) are not.
const NOT_DOCKERFILE_SUFFIXES: &[&str] = &[
    "rs",
    "go",
    "py",
    "js",
    "mjs",
    "ts",
    "tsx",
    "jsx",
    "java",
    "kt",
    "rb",
    "php",
    "c",
    "h",
    "cc",
    "cpp",
    "cs",
    "swift",
    "scala",
    "sh",
    "bash",
    "zsh",
    "ps1",
    "md",
    "rst",
    "adoc",
    "txt",
    "json",
    "yaml",
    "yml",
    "toml",
    "xml",
    "html",
    "css",
    "lock",
    "j2",
    "jinja",
    "jinja2",
    "tmpl",
    "tpl",
    "template",
    "erb",
    "mustache",
    "hbs",
    "bak",
    "orig",
    "rej",
    "swp",
    "snap",
    "dockerignore",
];

pub(crate) fn by_name(path: &Path) -> NameClass {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return NameClass::Other;
    };
    let lower = name.to_ascii_lowercase();
    let is_dockerfile = ["dockerfile", "containerfile"].iter().any(|base| {
        lower == *base
            || lower.ends_with(&format!(".{base}"))
            || lower
                .strip_prefix(&format!("{base}."))
                .is_some_and(|suffix| !NOT_DOCKERFILE_SUFFIXES.contains(&suffix))
    });
    if is_dockerfile {
        return NameClass::Dockerfile;
    }
    match Path::new(&lower).extension().and_then(|e| e.to_str()) {
        Some("yaml" | "yml" | "json") => NameClass::Structured,
        _ => NameClass::Other,
    }
}

/// Whether YAML or JSON text holds Kubernetes documents. A cheap textual test:
/// documents without both keys are never Kubernetes objects, and anything that
/// passes is parsed and checked properly later.
pub(crate) fn looks_like_kubernetes(text: &str) -> bool {
    text.contains("apiVersion") && text.contains("kind")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_names() {
        for name in [
            "Dockerfile",
            "dockerfile",
            "Dockerfile.prod",
            "api.Dockerfile",
            "Containerfile",
        ] {
            assert_eq!(by_name(Path::new(name)), NameClass::Dockerfile, "{name}");
        }
        assert_eq!(by_name(Path::new("Dockerfiles.md")), NameClass::Other);
        for name in [
            "dockerfile.rs",
            "Dockerfile.md",
            "Dockerfile.j2",
            "containerfile.go",
        ] {
            assert_eq!(by_name(Path::new(name)), NameClass::Other, "{name}");
        }
    }

    #[test]
    fn structured_names() {
        assert_eq!(by_name(Path::new("a/b.YAML")), NameClass::Structured);
        assert_eq!(by_name(Path::new("x.json")), NameClass::Structured);
        assert_eq!(by_name(Path::new("x.txt")), NameClass::Other);
    }
}
