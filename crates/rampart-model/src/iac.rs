//! Infrastructure code in the model: Terraform evaluated across files and
//! modules, with the tier of each resource.

use rampart_config::Tier;
use rampart_iac::{BlockKind, Node, Resource, UnknownValue, Value};
use rampart_source::{Diagnostic, FileId, SourceFile};
use rampart_terraform::{
    ManifestEntry, ModuleSets, TerraformInput, TerraformOutput, TfFile, VarsFile, dir_of, dir_str,
    join_dir, module_calls,
};
use rayon::prelude::*;

use crate::project::FastMap;

/// How Terraform variables are set on the command line.
#[derive(Clone, Debug, Default)]
pub struct TerraformOptions {
    /// Display paths of the `--var-file` files (read like every other input).
    pub var_files: Vec<String>,
    /// `--var name=value`, in order.
    pub vars: Vec<(String, String)>,
}

/// What a Terraform file holds, parsed.
pub(crate) enum TerraformContent {
    /// A `.tf` or `.tfvars` file.
    Hcl(rampart_terraform::syntax::Body),
    /// A `.tf` or `.tfvars` file read but not parsed yet: a scan that
    /// evaluates parses HCL when it evaluates Terraform, once the manifests'
    /// trees are released (see [`crate::ParsedFiles::parse_deferring`]), a
    /// module set at a time ([`evaluate_terraform`]).
    Unparsed,
    /// A `.tfvars.json` file: its values, with their positions.
    JsonVars(Vec<(String, Node)>),
}

/// A parsed Terraform file waiting for evaluation.
pub(crate) struct TerraformFile {
    pub file: FileId,
    pub content: TerraformContent,
    pub vars: bool,
}

/// Parses a `.tf` or `.tfvars` file; `None` (and the diagnostic) when it
/// is not HCL.
pub(crate) fn parse_hcl(source: &SourceFile) -> (Option<TerraformContent>, Vec<Diagnostic>) {
    match rampart_terraform::parse_body(&source.text, &source.display_path) {
        Ok(body) => (Some(TerraformContent::Hcl(body)), Vec::new()),
        Err(diagnostic) => (None, vec![diagnostic]),
    }
}

/// Whether Terraform loads a variables file by itself.
fn is_auto_tfvars(display_path: &str) -> bool {
    let name = display_path.rsplit('/').next().unwrap_or(display_path);
    name == "terraform.tfvars"
        || name == "terraform.tfvars.json"
        || name.ends_with(".auto.tfvars")
        || name.ends_with(".auto.tfvars.json")
}

/// Whether a variables file is JSON (`.tfvars.json`, or any `--var-file`
/// named `.json`).
pub(crate) fn is_json_vars(display_path: &str) -> bool {
    display_path.to_ascii_lowercase().ends_with(".json")
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

/// What a parsed Terraform file is to an evaluation.
enum FileRole<'a> {
    /// A `.tf` file.
    Module(TfFile<'a>),
    /// A `--var-file`, applied to every root module.
    VarFile(VarsFile<'a>),
    /// A `terraform.tfvars` or `*.auto.tfvars(.json)` file, applied to the
    /// root module of its directory.
    AutoVars(VarsFile<'a>),
}

/// The role of a parsed Terraform file; `None` for variables files that are
/// neither given with `--var-file` nor loaded by Terraform itself.
fn role<'a>(
    files: &'a [SourceFile],
    terraform: &'a TerraformFile,
    options: &TerraformOptions,
) -> Option<FileRole<'a>> {
    let source = files.get(terraform.file.index())?;
    let file = match &terraform.content {
        TerraformContent::Hcl(body) => VarsFile::Hcl(TfFile {
            file: terraform.file,
            source,
            body,
            offset: rampart_terraform::body_offset(&source.text),
        }),
        // Parsed before evaluation; one that is not HCL has no content.
        TerraformContent::Unparsed => return None,
        TerraformContent::JsonVars(values) => VarsFile::Json {
            file: terraform.file,
            source,
            values,
        },
    };
    match file {
        VarsFile::Hcl(file) if !terraform.vars => Some(FileRole::Module(file)),
        _ if !terraform.vars => None,
        _ if options.var_files.contains(&source.display_path) => Some(FileRole::VarFile(file)),
        _ if is_auto_tfvars(&source.display_path) => Some(FileRole::AutoVars(file)),
        _ => None,
    }
}

/// An input of `parsed` (which must outlive it): its `.tf` and auto-loaded
/// variables files, `var_files` and `--var`s.
fn input_of<'a>(
    files: &'a [SourceFile],
    parsed: &'a [TerraformFile],
    var_files: &[VarsFile<'a>],
    options: &TerraformOptions,
) -> TerraformInput<'a> {
    let mut input = TerraformInput {
        var_files: var_files.to_vec(),
        vars: options.vars.clone(),
        ..TerraformInput::default()
    };
    for terraform in parsed {
        match role(files, terraform, options) {
            Some(FileRole::Module(file)) => input.files.push(file),
            Some(FileRole::AutoVars(file)) => input.auto_tfvars.push(file),
            Some(FileRole::VarFile(_)) | None => {}
        }
    }
    input
}

/// Evaluates every Terraform root module, leaving room in the lists of
/// resources for `spare_capacity` more.
///
/// A set of modules at a time ([`ModuleSets`]: a root module and what it
/// calls), in parallel, each set's files left unparsed parsed with it and
/// its syntax trees released as soon as it is evaluated: at 100,000 files
/// the trees are about 50 MiB, of which only the sets being evaluated, the
/// files whose text writes `module` and the `--var-file` files are then in
/// memory at once.
pub(crate) fn evaluate_terraform(
    files: &[SourceFile],
    parsed: Vec<TerraformFile>,
    manifests: Vec<(String, Vec<ManifestEntry>)>,
    options: &TerraformOptions,
    spare_capacity: usize,
) -> TerraformEvaluation {
    let sets = TerraformSets::of(files, parsed, manifests, options);
    sets.evaluate(files, options, spare_capacity)
}

/// Terraform's files and `modules.json` manifests by module set
/// ([`ModuleSets`]), as [`evaluate_terraform`] evaluates them: a scan that
/// reads the infrastructure in parts puts whole sets in each
/// ([`crate::Infrastructure`]).
#[derive(Default)]
pub(crate) struct TerraformSets {
    /// Each set's `.tf` and auto-loaded variables files.
    pub files: Vec<Vec<TerraformFile>>,
    /// Each set's roots' `modules.json` manifests.
    pub manifests: Vec<Vec<(String, Vec<ManifestEntry>)>>,
    /// The `--var-file` files, which apply to every set.
    pub var_files: Vec<TerraformFile>,
    /// What reading the files that write `module`, the `--var-file` files
    /// and the variables files in no set's directory (which apply to
    /// nothing, and are not kept) found wrong.
    pub diagnostics: Vec<Diagnostic>,
}

impl TerraformSets {
    /// Groups `parsed` and `manifests` by module set.
    pub fn of(
        files: &[SourceFile],
        mut parsed: Vec<TerraformFile>,
        manifests: Vec<(String, Vec<ManifestEntry>)>,
        options: &TerraformOptions,
    ) -> Self {
        // The sets come from the `module` blocks, and `--var-file` files apply
        // to every set: the files left unparsed (see `TerraformContent::Unparsed`)
        // that hold either are parsed first, the others with their set. A file
        // whose text does not write `module` has no `module` block: a block's
        // type is an identifier, which HCL has no way to escape.
        let mut diagnostics = parse_unparsed(files, &mut parsed, |terraform, source| {
            if terraform.vars {
                options.var_files.contains(&source.display_path)
            } else {
                // Read by then (`Infrastructure::files_calling_modules`).
                debug_assert!(
                    (source.still_unread()).is_none_or(|unread| unread.facts
                        & crate::infrastructure_parts::WRITES_MODULE
                        == 0),
                    "a file that calls modules, unread"
                );
                memchr::memmem::find(source.text.as_bytes(), b"module").is_some()
            }
        });
        // Each file's directory and the directories it calls, read on every
        // core; the files of a directory mostly come together, and go to the
        // sets as one.
        let mut calls: Vec<(String, Vec<String>)> = (parsed.par_iter())
            .filter(|terraform| !terraform.vars)
            .filter_map(|terraform| {
                let dir = dir_of(&files.get(terraform.file.index())?.display_path);
                let calls = match &terraform.content {
                    TerraformContent::Hcl(body) => module_calls(&dir, body),
                    TerraformContent::Unparsed | TerraformContent::JsonVars(_) => Vec::new(),
                };
                Some((dir, calls))
            })
            .collect();
        calls.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                earlier.1.append(&mut later.1);
            }
            same
        });
        let sets = ModuleSets::from_calls(
            calls,
            (manifests.iter()).map(|(root, entries)| (root.as_str(), entries.as_slice())),
        );
        // `.tf` and auto-loaded variables files go with their directory's set;
        // `--var-file` files apply to every root module and are kept apart.
        let mut by_set: Vec<Vec<TerraformFile>> =
            std::iter::repeat_with(Vec::new).take(sets.len()).collect();
        let mut var_files = Vec::new();
        // Variables files in no set's directory apply to nothing, but a syntax
        // error in one is still reported.
        let mut outside = Vec::new();
        // Where each file goes, worked out on every core.
        let places: Vec<Option<FilePlace>> = (parsed.par_iter())
            .map(|terraform| {
                let source = files.get(terraform.file.index())?;
                Some(
                    if matches!(role(files, terraform, options), Some(FileRole::VarFile(_))) {
                        FilePlace::VarFile
                    } else if let Some(set) = sets.of_dir(dir_str(&source.display_path)) {
                        FilePlace::Set(set)
                    } else {
                        FilePlace::Outside
                    },
                )
            })
            .collect();
        for (terraform, place) in parsed.into_iter().zip(places) {
            match place {
                Some(FilePlace::VarFile) => var_files.push(terraform),
                Some(FilePlace::Set(set)) => by_set[set].push(terraform),
                Some(FilePlace::Outside) => outside.push(terraform),
                None => {}
            }
        }
        diagnostics.extend(parse_unparsed(files, &mut outside, |_, _| true));
        drop(outside);
        let mut manifests_by_set: Vec<Vec<(String, Vec<ManifestEntry>)>> =
            std::iter::repeat_with(Vec::new).take(sets.len()).collect();
        for (root, entries) in manifests {
            if let Some(set) = sets.of_dir(&root) {
                manifests_by_set[set].push((root, entries));
            }
        }
        Self {
            files: by_set,
            manifests: manifests_by_set,
            var_files,
            diagnostics,
        }
    }

    /// Evaluates every set, leaving room in the lists of resources for
    /// `spare_capacity` more.
    pub fn evaluate(
        self,
        files: &[SourceFile],
        options: &TerraformOptions,
        spare_capacity: usize,
    ) -> TerraformEvaluation {
        let Self {
            files: by_set,
            manifests: manifests_by_set,
            var_files,
            mut diagnostics,
        } = self;
        let mut shared: Vec<VarsFile<'_>> = (var_files.iter())
            .filter_map(|terraform| match role(files, terraform, options) {
                Some(FileRole::VarFile(file)) => Some(file),
                _ => None,
            })
            .collect();
        // `--var-file` files apply in the order given.
        shared.sort_by_key(|f| {
            options
                .var_files
                .iter()
                .position(|v| *v == f.source().display_path)
                .unwrap_or(usize::MAX)
        });
        let set_inputs = by_set.into_par_iter().zip(manifests_by_set);
        let (outputs, parse_diagnostics): (
            Vec<TerraformOutput<Box<Resource>>>,
            Vec<Vec<Diagnostic>>,
        ) = set_inputs
            .map(|(mut parsed, manifests)| {
                let diagnostics = parse_unparsed(files, &mut parsed, |_, _| true);
                let input = TerraformInput {
                    manifests: manifests.into_iter().collect(),
                    ..input_of(files, &parsed, &shared, options)
                };
                let output = rampart_terraform::evaluate(&input);
                // The set's syntax trees go before its resources are packed.
                drop(input);
                drop(parsed);
                let output = output.map_resources(|resources| {
                    resources.iter().map(rampart_iac::compacted).collect()
                });
                (output, diagnostics)
            })
            .unzip();
        diagnostics.extend(parse_diagnostics.into_iter().flatten());
        let output = rampart_terraform::join(outputs, spare_capacity);
        diagnostics.extend(output.diagnostics);
        TerraformEvaluation {
            resources: output.resources,
            roots: output.roots,
            providers: output.providers,
            unknowns: output.unknowns,
            diagnostics,
        }
    }
}

/// Where [`TerraformSets::of`] puts a Terraform file.
enum FilePlace {
    /// A `--var-file`: it applies to every set.
    VarFile,
    /// With the set of its directory.
    Set(usize),
    /// In no set's directory: variables that apply to nothing.
    Outside,
}

/// Parses the files of `terraform_files` left unparsed that `now` picks, in
/// parallel; those that are not HCL are dropped, and their diagnostics
/// returned.
fn parse_unparsed(
    files: &[SourceFile],
    terraform_files: &mut Vec<TerraformFile>,
    now: impl Fn(&TerraformFile, &SourceFile) -> bool + Sync,
) -> Vec<Diagnostic> {
    // Whether each file stays, and what its parse said.
    let parsed: Vec<(bool, Vec<Diagnostic>)> = (terraform_files.par_iter_mut())
        .map(|terraform| {
            let source = files.get(terraform.file.index());
            let Some(source) = source.filter(|source| {
                matches!(terraform.content, TerraformContent::Unparsed) && now(terraform, source)
            }) else {
                return (true, Vec::new());
            };
            match parse_hcl(source) {
                (Some(content), diagnostics) => {
                    terraform.content = content;
                    (true, diagnostics)
                }
                (None, diagnostics) => (false, diagnostics),
            }
        })
        .collect();
    let mut stays = parsed.iter().map(|(stays, _)| *stays);
    terraform_files.retain(|_| stays.next().unwrap_or(true));
    parsed
        .into_iter()
        .flat_map(|(_, diagnostics)| diagnostics)
        .collect()
}

pub(crate) struct TerraformEvaluation {
    /// Boxed, as the project holds them (see `rampart_iac::compacted`).
    #[expect(clippy::vec_box, reason = "joined and sorted as pointers")]
    pub resources: Vec<Box<Resource>>,
    /// The root module of each resource, by index.
    pub roots: Vec<std::sync::Arc<str>>,
    /// The address of the provider configuration each resource uses, by index.
    pub providers: Vec<rampart_iac::CompactString>,
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

/// The `aws` provider configurations of every root module, with their
/// `default_tags`.
pub(crate) struct DefaultTags {
    /// Root module directory, provider address (`provider.aws.critical`) →
    /// tags; the first declaration of each, indexed (a list searched for every
    /// resource made many roots quadratic).
    providers: FastMap<std::sync::Arc<str>, FastMap<String, Option<Node>>>,
}

impl DefaultTags {
    pub fn new(resources: &[Box<Resource>], roots: &[std::sync::Arc<str>]) -> Self {
        let mut providers = FastMap::default();
        for (provider, root) in resources
            .iter()
            .zip(roots)
            .filter(|(r, _)| r.kind == BlockKind::Provider && r.resource_type == "aws")
        {
            let tags = provider
                .get("default_tags")
                .and_then(|d| d.blocks().next())
                .and_then(|d| d.get("tags"))
                .cloned();
            providers
                .entry(root.clone())
                .or_insert_with(FastMap::default)
                .entry(provider.address.clone())
                .or_insert(tags);
        }
        Self { providers }
    }

    /// The `default_tags` that apply to a resource of `root` using the
    /// provider configuration at `provider`: that configuration's; the root's
    /// default `aws` provider's when that configuration is not declared.
    pub fn of(&self, root: &str, provider: &str) -> Option<&Node> {
        let of_root = self.providers.get(root);
        let find = |address: &str| of_root.and_then(|providers| providers.get(address));
        match find(provider) {
            Some(tags) => tags.as_ref(),
            None => find("provider.aws").and_then(Option::as_ref),
        }
    }
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
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::Project;
    use crate::testing::project;
    use rampart_discover::FileKind;

    fn tier(project: &Project, address: &str) -> Option<Tier> {
        let index = project
            .resources
            .iter()
            .position(|r| r.address == address)
            .unwrap();
        project.resource_tiers[index]
    }

    #[test]
    fn resources_take_the_default_tags_of_their_own_provider() {
        let main = r#"
provider "aws" {
  default_tags {
    tags = { classification = "standard" }
  }
}
provider "aws" {
  alias = "critical"
  default_tags {
    tags = { classification = "critical" }
  }
}
provider "aws" {
  alias = "plain"
}
resource "aws_s3_bucket" "ledger" {
  provider = aws.critical
}
resource "aws_s3_bucket" "plain" {
  provider = aws.plain
}
resource "aws_s3_bucket" "scratch" {}
module "vault" {
  source    = "./vault"
  providers = { aws = aws.critical }
}
module "logs" {
  source = "./vault"
}
"#;
        let project = project(&[
            ("main.tf", FileKind::Terraform, main),
            (
                "vault/main.tf",
                FileKind::Terraform,
                "resource \"aws_s3_bucket\" \"v\" {}\n",
            ),
        ]);
        assert_eq!(tier(&project, "aws_s3_bucket.ledger"), Some(Tier::Critical));
        assert_eq!(tier(&project, "aws_s3_bucket.plain"), None);
        assert_eq!(
            tier(&project, "aws_s3_bucket.scratch"),
            Some(Tier::Standard)
        );
        assert_eq!(
            tier(&project, "module.vault.aws_s3_bucket.v"),
            Some(Tier::Critical)
        );
        assert_eq!(
            tier(&project, "module.logs.aws_s3_bucket.v"),
            Some(Tier::Standard)
        );
    }

    #[test]
    fn json_tfvars_are_read_with_their_positions() {
        let project = project(&[
            (
                "infra/main.tf",
                FileKind::Terraform,
                "variable \"public\" { default = false }\nresource \"aws_db_instance\" \"a\" {\n  publicly_accessible = var.public\n}\n",
            ),
            (
                "infra/terraform.tfvars.json",
                FileKind::TerraformVars,
                "{\n  \"public\": true\n}\n",
            ),
        ]);
        let db = project
            .resources
            .iter()
            .find(|r| r.address == "aws_db_instance.a")
            .unwrap();
        let public = db.get("publicly_accessible").unwrap();
        assert_eq!(public.as_bool(), Some(true));
        let origin = public.origin.unwrap();
        assert_eq!(origin.file, FileId(1));
        assert_eq!(origin.span.start.line, 2);
    }

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
            |key: &str, value: Node| Node::new(Value::Map(vec![(key.into(), value)].into()), None);
        let text = |t: &str| Node::new(Value::String(t.into()), None);
        let resource = Resource {
            language: Language::TerraformPlan,
            kind: BlockKind::Resource,
            file: FileId(0),
            span: Span::on_line(1, 1, 1),
            resource_type: "aws_s3_bucket".into(),
            address: "aws_s3_bucket.ledger".into(),
            module: Default::default(),
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
        assert!(is_auto_tfvars("infra/terraform.tfvars.json"));
        assert!(is_auto_tfvars("infra/prod.auto.tfvars.json"));
        assert!(!is_auto_tfvars("infra/prod.tfvars.json"));
    }
}
