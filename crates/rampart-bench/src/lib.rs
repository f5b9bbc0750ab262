//! The inputs of the micro-benchmarks (`benches/stages.rs`), built in memory:
//! `examples/agent-platform`, renamed copies of it (a monorepo, as
//! the first harness built on disk), and what `rampart generate`
//! renders for its `agents.yaml` (51 agents: a large Terraform root, network
//! policies, admission policies, Falco rules). Realistic, deterministic, and
//! large enough that a regression shows.
//!
//! Nothing is written to disk. The tests below keep the fixtures honest: if an
//! input stops parsing or stops producing findings, the benchmark that uses it
//! would silently measure less work.

use std::path::{Path, PathBuf};

use rampart_config::{Config, LoadedConfig};
use rampart_discover::{FileKind, InputFile, classify};
use rampart_generate::{Inventory, InventorySource, Target};
use rampart_model::Project;
use rampart_report::{Redactions, ScanReport, Summary};
use rampart_rules::{EvalOptions, Finding, Rule, all_rules, evaluate};
use rampart_source::Diagnostic;

/// One file of a fixture, as discovery would hand it over.
#[derive(Clone, Debug)]
pub struct File {
    pub kind: FileKind,
    pub path: String,
    pub text: String,
}

impl File {
    pub fn input(&self) -> InputFile {
        InputFile::new(self.kind, &self.path, &self.text)
    }
}

/// What `files` would be handed to the model as.
pub fn inputs(files: &[File]) -> Vec<InputFile> {
    files.iter().map(File::input).collect()
}

/// The total size of `files`, for throughput.
pub fn bytes(files: &[File]) -> usize {
    files.iter().map(|f| f.text.len()).sum()
}

/// `examples/agent-platform`.
pub fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/agent-platform")
}

/// The example's `rampart.toml` (every rule selected, its approved registries).
pub fn config() -> Config {
    let path = example_dir().join("rampart.toml");
    match LoadedConfig::load(&path) {
        Ok(loaded) => loaded.config,
        Err(e) => panic!("{e}"),
    }
}

/// The files of `examples/agent-platform` that a scan reads, under `platform/`.
pub fn example_files() -> Vec<File> {
    let root = example_dir();
    let mut paths = Vec::new();
    walk(&root, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let kind = classify(&path, &text)?;
            let relative = path.strip_prefix(&root).ok()?.to_string_lossy();
            Some(File {
                kind,
                path: format!("platform/{}", relative.replace('\\', "/")),
                text,
            })
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// `copies` copies of the example, `platform-0000/` …, each with its own names
/// ("agents" becomes "agents0", …), as the first benchmark harness made them.
pub fn example_copies(copies: usize) -> Vec<File> {
    let example = example_files();
    (0..copies)
        .flat_map(|i| {
            example.iter().map(move |file| {
                let relative = file.path.strip_prefix("platform/").unwrap_or(&file.path);
                File {
                    kind: file.kind,
                    path: format!("platform-{i:04}/{relative}"),
                    text: file.text.replace("agents", &format!("agents{i}")),
                }
            })
        })
        .collect()
}

/// What `rampart generate` renders for the example's `agents.yaml` under its
/// `rampart.toml`, under `baseline/`: only the files a scan reads.
pub fn generated_files(config: &Config) -> Vec<File> {
    let path = example_dir().join("agents.yaml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => panic!("{}: {e}", path.display()),
    };
    let inventory = match Inventory::parse(&text, "agents.yaml") {
        Ok(inventory) => inventory,
        Err(diagnostics) => panic!("agents.yaml: {diagnostics:?}"),
    };
    let source = InventorySource::of("agents.yaml", text.as_bytes());
    let generated = match rampart_generate::generate(&inventory, config, &source, &Target::ALL) {
        Ok(files) => files,
        Err(conflicts) => panic!("agents.yaml: {conflicts:?}"),
    };
    generated
        .into_iter()
        .filter_map(|file| {
            let path = format!("baseline/{}", file.path);
            let kind = classify(Path::new(&path), &file.contents)?;
            Some(File {
                kind,
                path,
                text: file.contents,
            })
        })
        .collect()
}

/// A realistic project: the example and the baseline generated for its agents.
pub fn project_files(config: &Config) -> Vec<File> {
    let mut files = example_files();
    files.extend(generated_files(config));
    files
}

/// The files of one kind.
pub fn of_kind(files: &[File], kinds: &[FileKind]) -> Vec<File> {
    files
        .iter()
        .filter(|f| kinds.contains(&f.kind))
        .cloned()
        .collect()
}

/// Every Kubernetes manifest of `files` as one multi-document stream (what
/// `helm template | rampart scan -` reads).
pub fn kubernetes_stream(files: &[File]) -> String {
    of_kind(files, &[FileKind::Kubernetes])
        .iter()
        .map(|f| f.text.trim_end())
        .collect::<Vec<_>>()
        .join("\n---\n")
}

/// The example's plan (`plans/edge-dns.json`) with every resource, drift entry
/// and configured resource repeated `copies` times under its own name: a plan of
/// a root with many resources, as `terraform show -json` prints it (indented).
pub fn plan(copies: usize) -> String {
    let path = example_dir().join("plans/edge-dns.json");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut plan: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    multiply(&mut plan, copies);
    serde_json::to_string_pretty(&plan).unwrap_or_default()
}

/// Repeats, in every array of objects that carry an `address`, each object
/// `copies` times, renamed (`aws_route53_record.payments` becomes
/// `aws_route53_record.payments_1`).
fn multiply(value: &mut serde_json::Value, copies: usize) {
    use serde_json::Value;
    match value {
        Value::Array(items) => {
            for item in items.iter_mut() {
                multiply(item, copies);
            }
            if items.iter().any(|i| i.get("address").is_some()) {
                let originals = std::mem::take(items);
                for copy in 0..copies {
                    for item in &originals {
                        let mut item = item.clone();
                        if copy > 0 {
                            rename(&mut item, copy);
                        }
                        items.push(item);
                    }
                }
            }
        }
        Value::Object(map) => {
            for (_, v) in map.iter_mut() {
                multiply(v, copies);
            }
        }
        _ => {}
    }
}

fn rename(item: &mut serde_json::Value, copy: usize) {
    let name = item.get("name").and_then(|n| n.as_str()).map(str::to_owned);
    let Some(name) = name else {
        return;
    };
    let renamed = format!("{name}_{copy}");
    if let Some(address) = item.get("address").and_then(|a| a.as_str()) {
        let address = address.replacen(&format!(".{name}"), &format!(".{renamed}"), 1);
        item["address"] = address.into();
    }
    item["name"] = renamed.into();
}

/// The example's CloudFormation template with its resources repeated `copies`
/// times under their own logical ids (`Database`, `DatabaseC1`, …), references
/// (`!Ref`, `!GetAtt`) renamed with them: a stack of `3 × copies` resources.
pub fn cloudformation(copies: usize) -> String {
    let path = example_dir().join("cloudformation/report-exporter.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| *l == "Resources:") else {
        return text;
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| !l.is_empty() && !l.starts_with(' ') && !l.starts_with('#'))
        .map_or(lines.len(), |i| start + 1 + i);
    let block = &lines[start + 1..end];
    let ids: Vec<&str> = block
        .iter()
        .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(':'))
        .filter(|id| id.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect();
    let mut out: Vec<String> = lines[..end].iter().map(|l| (*l).to_owned()).collect();
    for copy in 1..copies {
        for line in block {
            out.push(rename_logical_ids(line, &ids, copy));
        }
    }
    out.extend(lines[end..].iter().map(|l| (*l).to_owned()));
    out.join("\n") + "\n"
}

fn rename_logical_ids(line: &str, ids: &[&str], copy: usize) -> String {
    let mut line = line.to_owned();
    for id in ids {
        let renamed = format!("{id}C{copy}");
        if line == format!("  {id}:") {
            return format!("  {renamed}:");
        }
        for prefix in ["!Ref ", "!GetAtt ", "Ref: ", "DependsOn: "] {
            let from = format!("{prefix}{id}");
            let Some(at) = line.find(&from) else {
                continue;
            };
            let after = line[at + from.len()..].chars().next();
            if after.is_none_or(|c| !c.is_ascii_alphanumeric()) {
                line.replace_range(at..at + from.len(), &format!("{prefix}{renamed}"));
            }
        }
    }
    line
}

/// A finished scan, as `rampart scan` holds it before it reports: every rule
/// run, findings sorted, secrets known. (The scan has released its objects'
/// trees by then, which no report reads; this project keeps them.)
pub struct Scanned {
    pub project: Project,
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    pub rules: Vec<&'static Rule>,
    pub redactions: Redactions,
}

impl Scanned {
    pub fn new(files: &[File], config: &Config) -> Self {
        let project = Project::build(inputs(files), config);
        let findings = evaluate(&project, config, all_rules(), &EvalOptions::default());
        let mut redactions = Redactions::from_findings(&findings);
        for (file, secret) in &project.sensitive {
            redactions.add(*file, secret.expose());
        }
        let diagnostics = project.diagnostics.clone();
        Self {
            project,
            findings,
            diagnostics,
            rules: all_rules().to_vec(),
            redactions,
        }
    }

    pub fn report(&self) -> ScanReport<'_> {
        ScanReport {
            project: &self.project,
            findings: &self.findings,
            diagnostics: &self.diagnostics,
            rules: &self.rules,
            summary: Summary {
                files_scanned: self.project.files.len(),
                rules_run: self.rules.len(),
                suppressed: 0,
                baselined: 0,
            },
            redactions: &self.redactions,
        }
    }
}

#[cfg(test)]
mod tests {
    // A test's job is to panic on the unexpected.
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn the_project_holds_every_kind_of_input_and_parses_cleanly() {
        let config = config();
        let files = project_files(&config);
        for kind in [
            FileKind::Kubernetes,
            FileKind::Dockerfile,
            FileKind::Terraform,
            FileKind::TerraformVars,
            FileKind::TerraformPlan,
            FileKind::CloudFormation,
            FileKind::FalcoRules,
        ] {
            assert!(files.iter().any(|f| f.kind == kind), "no {kind:?}");
        }
        assert!(bytes(&files) > 300_000, "{}", bytes(&files));
        let scanned = Scanned::new(&files, &config);
        assert!(scanned.diagnostics.is_empty(), "{:?}", scanned.diagnostics);
        let resources = scanned.project.resources.len();
        assert!(resources > 300, "{resources}");
        assert!(!scanned.findings.is_empty());
    }

    #[test]
    fn copies_are_renamed_and_keep_their_findings() {
        let config = config();
        let one = Scanned::new(&example_copies(1), &config).findings.len();
        let three = Scanned::new(&example_copies(3), &config).findings.len();
        assert!(one > 20);
        assert_eq!(three, 3 * one);
    }

    #[test]
    fn multiplied_plans_and_templates_stay_valid() {
        let plan = plan(5);
        let root =
            &rampart_yaml::parse_stream(&plan, "plan.json", &Default::default()).documents[0].root;
        assert!(rampart_tfplan::is_plan(root));
        let read = rampart_tfplan::read_plan(rampart_source::FileId(0), "plan.json", root);
        assert_eq!(read.resources.len(), 10);
        assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);

        let template = cloudformation(4);
        let stream = rampart_yaml::parse_stream(&template, "t.yaml", &Default::default());
        assert!(stream.diagnostics.is_empty(), "{:?}", stream.diagnostics);
        let evaluated = rampart_cloudformation::evaluate_template(
            rampart_source::FileId(0),
            &stream.documents[0].root,
            "t.yaml",
        );
        let resources = evaluated
            .resources
            .iter()
            .filter(|r| r.kind == rampart_model::rampart_iac::BlockKind::Resource)
            .count();
        assert_eq!(resources, 12);
        assert!(
            evaluated.diagnostics.is_empty(),
            "{:?}",
            evaluated.diagnostics
        );
    }
}
