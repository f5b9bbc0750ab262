use std::path::Path;

/// What a file is, as far as the parsers are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// YAML or JSON holding Kubernetes documents (`apiVersion` + `kind`).
    Kubernetes,
    Dockerfile,
    /// A Terraform configuration file (`.tf`).
    Terraform,
    /// Terraform variable values (`.tfvars`, or JSON: `.tfvars.json`).
    /// Terraform loads `terraform.tfvars(.json)` and `*.auto.tfvars(.json)`
    /// itself; others only when named with `--var-file`.
    TerraformVars,
    /// `terraform show -json` output (`format_version` + `planned_values`).
    TerraformPlan,
    /// A CloudFormation template, YAML or JSON.
    CloudFormation,
    /// `.terraform/modules/modules.json`: where `terraform init` put modules.
    TerraformModules,
}

/// How a file's name alone classifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameClass {
    Dockerfile,
    /// `.yaml`, `.yml`, `.json`, `.template`: decided by content.
    Structured,
    Terraform,
    TerraformVars,
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
    if lower.ends_with(".tfvars.json") {
        return NameClass::TerraformVars;
    }
    match Path::new(&lower).extension().and_then(|e| e.to_str()) {
        Some("yaml" | "yml" | "json" | "template") => NameClass::Structured,
        Some("tf") => NameClass::Terraform,
        Some("tfvars") => NameClass::TerraformVars,
        _ => NameClass::Other,
    }
}

/// What YAML or JSON text holds, by cheap textual markers: anything that passes
/// is parsed and checked properly later, and text without the markers is never
/// one of these.
pub(crate) fn by_content(text: &str) -> Option<FileKind> {
    if text.contains("\"format_version\"")
        && (text.contains("\"planned_values\"") || text.contains("\"resource_changes\""))
    {
        return Some(FileKind::TerraformPlan);
    }
    if text.contains("AWSTemplateFormatVersion")
        || (text.contains("Resources") && (text.contains("AWS::") || text.contains("Custom::")))
    {
        return Some(FileKind::CloudFormation);
    }
    looks_like_kubernetes(text).then_some(FileKind::Kubernetes)
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
    fn content_decides_structured_files() {
        assert_eq!(
            by_content("apiVersion: v1\nkind: Pod\n"),
            Some(FileKind::Kubernetes)
        );
        assert_eq!(
            by_content("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n"),
            Some(FileKind::CloudFormation)
        );
        assert_eq!(
            by_content("Resources:\n  B:\n    Type: AWS::S3::Bucket\n"),
            Some(FileKind::CloudFormation)
        );
        assert_eq!(
            by_content("{\"format_version\":\"1.2\",\"planned_values\":{}}"),
            Some(FileKind::TerraformPlan)
        );
        assert_eq!(by_content("replicas: 3\n"), None);
    }

    #[test]
    fn terraform_names() {
        assert_eq!(by_name(Path::new("infra/main.tf")), NameClass::Terraform);
        assert_eq!(by_name(Path::new("prod.tfvars")), NameClass::TerraformVars);
        assert_eq!(
            by_name(Path::new("infra/terraform.tfvars.json")),
            NameClass::TerraformVars
        );
        assert_eq!(
            by_name(Path::new("b.auto.tfvars.JSON")),
            NameClass::TerraformVars
        );
        assert_eq!(by_name(Path::new("stack.template")), NameClass::Structured);
    }

    #[test]
    fn structured_names() {
        assert_eq!(by_name(Path::new("a/b.YAML")), NameClass::Structured);
        assert_eq!(by_name(Path::new("x.json")), NameClass::Structured);
        assert_eq!(by_name(Path::new("x.txt")), NameClass::Other);
    }
}
