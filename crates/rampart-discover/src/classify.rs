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
    /// A Falco rules file: a YAML sequence of `rule`, `macro`, `list`,
    /// `required_engine_version` and `required_plugin_versions` items.
    FalcoRules,
    /// Falco's configuration (`falco.yaml`, `falco-*.yaml`): a mapping with
    /// Falco's own keys (`rules_files`, `json_output`, `http_output`, …).
    FalcoConfig,
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

/// What a file is, by its path and text, as the walk decides it; `None` for a
/// file the walk skips. For callers that hold files in memory (benchmarks).
pub fn classify(path: &Path, text: &str) -> Option<FileKind> {
    match by_name(path) {
        NameClass::Other => None,
        class => of_class(class, path, text),
    }
}

/// What a file of this name class is, by its content where its name says
/// nothing.
pub(crate) fn of_class(class: NameClass, path: &Path, text: &str) -> Option<FileKind> {
    match class {
        NameClass::Dockerfile => Some(FileKind::Dockerfile),
        NameClass::Terraform => Some(FileKind::Terraform),
        NameClass::TerraformVars => Some(FileKind::TerraformVars),
        NameClass::Structured | NameClass::Other => by_name_and_content(path, text),
    }
}

/// What a YAML or JSON file holds, by its name and content: Falco's files
/// first (their tests are strict, line by line), then [`by_content`].
pub(crate) fn by_name_and_content(path: &Path, text: &str) -> Option<FileKind> {
    if is_falco_rules(text) {
        return Some(FileKind::FalcoRules);
    }
    if is_falco_config(path, text) {
        return Some(FileKind::FalcoConfig);
    }
    by_content(text)
}

/// The keys a Falco rules file's items are mappings of.
const FALCO_ITEM_KEYS: &[&str] = &[
    "rule",
    "macro",
    "list",
    "required_engine_version",
    "required_plugin_versions",
];

/// Keys of Falco's configuration that no other common YAML file has at its
/// top level (`metrics`, `plugins` or `engine` alone say nothing).
const FALCO_CONFIG_KEYS: &[&str] = &[
    "rules_files",
    "rules_file",
    "json_output",
    "json_include_output_property",
    "json_include_tags_property",
    "stdout_output",
    "syslog_output",
    "file_output",
    "http_output",
    "program_output",
    "grpc_output",
    "watch_config_files",
    "buffered_outputs",
    "load_plugins",
    "rule_matching",
    "outputs_queue",
];

/// The lines of YAML text that are content at the top level (column 1), without
/// comments, blank lines and document markers; `None` when some content line is
/// indented before the first top-level line (the text is not block YAML at the
/// top level, or it is JSON).
fn top_level_lines(text: &str) -> Option<Vec<&str>> {
    let mut lines = Vec::new();
    for line in text.trim_start_matches('\u{feff}').lines() {
        let trimmed = line.trim_end();
        if trimmed.trim_start().is_empty()
            || trimmed.trim_start().starts_with('#')
            || trimmed == "---"
            || trimmed == "..."
            || trimmed.starts_with("--- ")
            || trimmed.starts_with('%')
        {
            continue;
        }
        if trimmed.starts_with([' ', '\t']) {
            if lines.is_empty() {
                return None;
            }
            continue;
        }
        lines.push(trimmed);
    }
    Some(lines)
}

/// The key of a block mapping entry that starts `line` (`key:` or `key: value`).
fn entry_key(line: &str) -> Option<&str> {
    let (key, rest) = line.split_once(':')?;
    // A quoted key is quoted on both sides: `"rule": x`, but not `"rule: x"`, which
    // is one string.
    let key = match key.chars().next() {
        Some(quote @ ('"' | '\'')) => key.strip_prefix(quote)?.strip_suffix(quote)?,
        _ => key,
    };
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    (plain && (rest.is_empty() || rest.starts_with([' ', '\t']))).then_some(key)
}

/// A Falco rules file: every top-level line starts a sequence item whose first
/// key is one of Falco's (`- rule: …`, `- macro: …`, `- list: …`,
/// `- required_engine_version: …`, `- required_plugin_versions:`). Ordinary YAML
/// lists never have only such items.
pub(crate) fn is_falco_rules(text: &str) -> bool {
    let Some(lines) = top_level_lines(text) else {
        return false;
    };
    !lines.is_empty()
        && lines.iter().all(|line| {
            line.strip_prefix("- ")
                .map(str::trim_start)
                .and_then(entry_key)
                .is_some_and(|key| FALCO_ITEM_KEYS.contains(&key))
        })
}

/// Falco's configuration: a file named `falco.yaml` (or `falco*.yaml`, `.yml`)
/// whose top level is a block mapping with at least one of Falco's own keys.
pub(crate) fn is_falco_config(path: &Path, text: &str) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    if !(lower.starts_with("falco") && (lower.ends_with(".yaml") || lower.ends_with(".yml"))) {
        return false;
    }
    let Some(lines) = top_level_lines(text) else {
        return false;
    };
    // A block sequence that is a key's value may start in column 1 too
    // (`rules_files:` then `- /etc/falco/falco_rules.yaml`).
    let is_item = |line: &&str| *line == "-" || line.starts_with("- ");
    if lines.first().is_none_or(is_item) {
        return false;
    }
    let keys: Option<Vec<&str>> = lines
        .iter()
        .filter(|line| !is_item(line))
        .map(|line| entry_key(line))
        .collect();
    keys.is_some_and(|keys| keys.iter().any(|k| FALCO_CONFIG_KEYS.contains(k)))
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

    const FALCO_RULES: &str = "# Custom rules\n- required_engine_version: 26\n\n- list: my_binaries\n  items: [a, b]\n\n- macro: my_procs\n  condition: proc.name in (my_binaries)\n\n- rule: Shell in container\n  desc: A shell\n  condition: >\n    spawned_process and my_procs\n  output: shell (%proc.name)\n  priority: WARNING\n";

    #[test]
    fn falco_rules_files_are_recognised_strictly() {
        assert!(is_falco_rules(FALCO_RULES));
        assert_eq!(
            by_name_and_content(Path::new("rules.d/custom.yaml"), FALCO_RULES),
            Some(FileKind::FalcoRules)
        );
        assert!(is_falco_rules(
            "---\n- rule: \"Quoted: name\"\n  enabled: false\n"
        ));
        // Ordinary lists, a list with one foreign item, mappings, JSON, nothing.
        for text in [
            "- name: a\n  value: b\n",
            "- rule: x\n  desc: y\n- name: other\n",
            "- rules\n- macros\n",
            "rule: x\n",
            "[{\"rule\": \"x\"}]",
            "",
            "# only a comment\n",
            "  - rule: x\n",
            "- rulebook: x\n",
            "- \"rule: x\"\n",
        ] {
            assert!(!is_falco_rules(text), "{text:?}");
        }
        // Kubernetes manifests are still Kubernetes.
        assert_eq!(
            by_name_and_content(Path::new("pod.yaml"), "apiVersion: v1\nkind: Pod\n"),
            Some(FileKind::Kubernetes)
        );
    }

    #[test]
    fn falco_configuration_is_recognised_by_name_and_keys() {
        let config = "# Falco\nrules_files:\n- /etc/falco/falco_rules.yaml\n- /etc/falco/rules.d\njson_output: true\nhttp_output:\n  enabled: true\n";
        for name in [
            "falco.yaml",
            "deploy/falco.yml",
            "falco-prod.yaml",
            "Falco.YAML",
        ] {
            assert_eq!(
                by_name_and_content(Path::new(name), config),
                Some(FileKind::FalcoConfig),
                "{name}"
            );
        }
        // Other names, or no Falco key, or not a mapping.
        assert_eq!(by_name_and_content(Path::new("values.yaml"), config), None);
        assert_eq!(by_name_and_content(Path::new("config.yaml"), config), None);
        assert!(!is_falco_config(
            Path::new("falco.yaml"),
            "metrics:\n  enabled: true\ntolerations: []\n"
        ));
        assert!(!is_falco_config(
            Path::new("falco.yaml"),
            "- json_output: true\n"
        ));
        // A Falco rules file named falco_rules.yaml is a rules file.
        assert_eq!(
            by_name_and_content(Path::new("falco_rules.yaml"), FALCO_RULES),
            Some(FileKind::FalcoRules)
        );
    }

    #[test]
    fn structured_names() {
        assert_eq!(by_name(Path::new("a/b.YAML")), NameClass::Structured);
        assert_eq!(by_name(Path::new("x.json")), NameClass::Structured);
        assert_eq!(by_name(Path::new("x.txt")), NameClass::Other);
    }
}
