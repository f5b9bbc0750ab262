//! Infrastructure code in the model: Terraform evaluated across files and
//! modules, with the tier of each resource.

use rampart_config::Tier;
use rampart_iac::{BlockKind, Node, Resource, UnknownValue, Value};
use rampart_source::{Diagnostic, FileId, SourceFile};
use rampart_terraform::{ManifestEntry, TerraformInput, TfFile, dir_of, join_dir};

/// How Terraform variables are set on the command line.
#[derive(Clone, Debug, Default)]
pub struct TerraformOptions {
    /// Display paths of the `--var-file` files (read like every other input).
    pub var_files: Vec<String>,
    /// `--var name=value`, in order.
    pub vars: Vec<(String, String)>,
}

/// A parsed Terraform file waiting for evaluation.
pub(crate) struct TerraformFile {
    pub file: FileId,
    pub body: hcl_edit::structure::Body,
    pub offset: usize,
    pub vars: bool,
}

/// Whether Terraform loads a variables file by itself.
fn is_auto_tfvars(display_path: &str) -> bool {
    let name = display_path.rsplit('/').next().unwrap_or(display_path);
    name == "terraform.tfvars" || name.ends_with(".auto.tfvars")
}

/// The entries of a `modules.json`, with their directories as display paths.
pub(crate) fn manifest_entries(display_path: &str, text: &str) -> (String, Vec<ManifestEntry>) {
    // `infra/.terraform/modules/modules.json` belongs to the root module `infra`.
    let root = display_path
        .strip_suffix(".terraform/modules/modules.json")
        .map(|dir| dir.trim_end_matches('/'))
        .map(|dir| {
            if dir.is_empty() {
                ".".to_owned()
            } else {
                dir.to_owned()
            }
        })
        .unwrap_or_else(|| dir_of(display_path));
    let entries = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|json| json.get("Modules").and_then(|m| m.as_array()).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|module| {
            let key = module.get("Key")?.as_str()?;
            let dir = module.get("Dir")?.as_str()?;
            (!key.is_empty()).then(|| ManifestEntry {
                key: key.to_owned(),
                dir: join_dir(&root, dir),
            })
        })
        .collect();
    (root, entries)
}

/// Evaluates every Terraform root module.
pub(crate) fn evaluate_terraform(
    files: &[SourceFile],
    parsed: &[TerraformFile],
    manifests: Vec<(String, Vec<ManifestEntry>)>,
    options: &TerraformOptions,
) -> TerraformEvaluation {
    let mut input = TerraformInput::default();
    for terraform in parsed {
        let Some(source) = files.get(terraform.file.index()) else {
            continue;
        };
        let file = TfFile {
            file: terraform.file,
            source,
            body: &terraform.body,
            offset: terraform.offset,
        };
        if !terraform.vars {
            input.files.push(file);
        } else if options.var_files.contains(&source.display_path) {
            input.var_files.push(file);
        } else if is_auto_tfvars(&source.display_path) {
            input.auto_tfvars.push(file);
        }
    }
    // `--var-file` files apply in the order given.
    input.var_files.sort_by_key(|f| {
        options
            .var_files
            .iter()
            .position(|v| *v == f.source.display_path)
            .unwrap_or(usize::MAX)
    });
    input.vars = options.vars.clone();
    input.manifests = manifests.into_iter().collect();
    let output = rampart_terraform::evaluate(&input);
    TerraformEvaluation {
        resources: output.resources,
        roots: output.roots,
        unknowns: output.unknowns,
        diagnostics: output.diagnostics,
    }
}

pub(crate) struct TerraformEvaluation {
    pub resources: Vec<Resource>,
    /// The root module of each resource, by index.
    pub roots: Vec<String>,
    pub unknowns: Vec<UnknownValue>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The tier of a resource: its own tag (or, in a plan, `tags_all`, which
/// already merges the provider's default tags), else the `default_tags` of the
/// provider configuration in its root module.
pub(crate) fn resource_tier(
    resource: &Resource,
    keys: &[String],
    default_tags: Option<&Node>,
) -> Option<Tier> {
    let own = ["tags", "Tags", "tags_all"]
        .iter()
        .filter_map(|field| resource.get(field))
        .find_map(|tags| tier_in_tags(tags, keys));
    own.or_else(|| default_tags.and_then(|tags| tier_in_tags(tags, keys)))
}

/// A tier among tags written as a map (`{ classification = "critical" }`) or as
/// CloudFormation's list of `{Key, Value}`.
pub(crate) fn tier_in_tags(tags: &Node, keys: &[String]) -> Option<Tier> {
    keys.iter().find_map(|key| {
        let value = match &tags.value {
            Value::Map(_) => tags.get(key),
            Value::List(items) => items
                .iter()
                .find(|item| item.get("Key").and_then(Node::as_str) == Some(key))
                .and_then(|item| item.get("Value")),
            _ => None,
        }?;
        value.as_str().and_then(Tier::parse)
    })
}

/// The `default_tags` of the default `aws` provider of each root module, by
/// root module directory.
pub(crate) fn default_tags(resources: &[Resource], roots: &[String]) -> Vec<(String, Node)> {
    resources
        .iter()
        .zip(roots)
        .filter(|(r, _)| {
            r.kind == BlockKind::Provider
                && r.resource_type == "aws"
                && r.module.is_empty()
                && r.get("alias").is_none()
        })
        .filter_map(|(provider, root)| {
            let tags = provider
                .get("default_tags")?
                .blocks()
                .next()?
                .get("tags")?
                .clone();
            Some((root.clone(), tags))
        })
        .collect()
}

/// The `default_tags` of a plan's default `aws` provider.
pub(crate) fn plan_default_tags(resources: &[Resource]) -> Option<Node> {
    resources
        .iter()
        .find(|r| {
            r.kind == BlockKind::Provider
                && r.resource_type == "aws"
                && r.module.is_empty()
                && r.get("alias").is_none()
        })
        .and_then(|provider| {
            provider
                .get("default_tags")?
                .blocks()
                .next()?
                .get("tags")
                .cloned()
        })
}

/// Gives the plan's values the origins of the configuration's values at the
/// same path, so a finding from a plan points at the `.tf` line that wrote it.
pub(crate) fn adopt_origins(plan: &mut Node, configuration: &Node) {
    let mut stack: Vec<(&mut Node, &Node)> = vec![(plan, configuration)];
    while let Some((plan, configuration)) = stack.pop() {
        // Any place in a `.tf` file beats a column of the plan's one-line JSON,
        // even where the configuration only had a reference the plan resolved.
        if configuration.origin.is_some() {
            plan.origin = configuration.origin;
        }
        match (&mut plan.value, &configuration.value) {
            (Value::Map(entries), Value::Map(_)) => {
                for (key, value) in entries.iter_mut() {
                    if let Some(found) = configuration.get(key) {
                        stack.push((value, found));
                    }
                }
            }
            (Value::List(items), Value::List(configured)) => {
                for (value, found) in items.iter_mut().zip(configured) {
                    stack.push((value, found));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_name_their_root_module() {
        let (root, entries) = manifest_entries(
            "infra/.terraform/modules/modules.json",
            r#"{"Modules":[{"Key":"","Dir":"."},{"Key":"vpc","Dir":".terraform/modules/vpc"}]}"#,
        );
        assert_eq!(root, "infra");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].dir, "infra/.terraform/modules/vpc");
        let (root, _) = manifest_entries(".terraform/modules/modules.json", "{}");
        assert_eq!(root, ".");
    }

    #[test]
    fn a_plans_tags_all_carries_the_tier() {
        use rampart_iac::{Language, Node};
        use rampart_source::{FileId, Span};
        let map =
            |key: &str, value: Node| Node::new(Value::Map(vec![(key.to_owned(), value)]), None);
        let text = |t: &str| Node::new(Value::String(t.to_owned()), None);
        let resource = Resource {
            language: Language::TerraformPlan,
            kind: BlockKind::Resource,
            file: FileId(0),
            span: Span::on_line(1, 1, 1),
            resource_type: "aws_s3_bucket".into(),
            address: "aws_s3_bucket.ledger".into(),
            module: String::new(),
            attributes: map("tags_all", map("classification", text("critical"))),
        };
        let keys = vec!["classification".to_owned()];
        assert_eq!(resource_tier(&resource, &keys, None), Some(Tier::Critical));
    }

    #[test]
    fn auto_tfvars() {
        assert!(is_auto_tfvars("infra/terraform.tfvars"));
        assert!(is_auto_tfvars("infra/prod.auto.tfvars"));
        assert!(!is_auto_tfvars("infra/prod.tfvars"));
    }
}
