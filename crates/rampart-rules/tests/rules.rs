//! Every rule through the real engine: its documentation examples, its fixture
//! (with `# expect: RULE-ID` markers on the lines that must be reported, and no
//! finding anywhere else), and a snapshot of the messages users see.
//!
//! A fixture is `fixtures/<RULE-ID>.yaml`, `.Dockerfile`, `.tf`, or a directory
//! `fixtures/<RULE-ID>/` (rules with Terraform and CloudFormation twins use a
//! directory with both). A `# expect: ID` comment at the end of a line
//! expects one finding of that rule starting on that line (`# expect: ID, ID` two);
//! a comment line of its own applies to the next line that is not blank or a
//! comment. JSON cannot hold comments: an `EXPECTED` file in a fixture directory
//! lists `file:line`, one line per expected finding. A `rampart.toml` in the directory (or `<RULE-ID>.toml` beside a file)
//! configures the scan.

// A test's job is to panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rampart_config::{LoadedConfig, Severity, Tier};
use rampart_discover::{DiscoverOptions, FileKind, InputFile, discover};
use rampart_model::Project;
use rampart_rules::{
    Check, EvalOptions, Example, Finding, Language, Phase, Rule, all_rules, evaluate,
    evaluate_phase,
};
use rampart_source::Span;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The rules to test: all of them, or those whose id starts with one of the
/// comma-separated prefixes in `RAMPART_TEST_RULES` (for focused work).
fn evaluable_rules() -> impl Iterator<Item = &'static Rule> {
    let only: Vec<String> = std::env::var("RAMPART_TEST_RULES")
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();
    all_rules()
        .iter()
        .copied()
        .filter(|r| !matches!(r.check, Check::Filter))
        .filter(move |r| only.is_empty() || only.iter().any(|p| r.meta.id.starts_with(p.as_str())))
}

fn run(
    rule: &'static Rule,
    files: Vec<InputFile>,
    config: &LoadedConfig,
) -> (Project, Vec<Finding>) {
    // Parts of one file: each is checked with its trees, then released.
    scan_in_phases(&[rule], files, config, Manifests::InParts(1))
}

/// How [`scan_in_phases`] reads the Kubernetes files and Dockerfiles.
#[derive(Clone, Copy, Debug)]
enum Manifests {
    /// All with the first files, as a scan with few Kubernetes files does.
    AtOnce,
    /// The files that may declare namespace-wide objects first, then the
    /// others and the Dockerfiles this many files a part, each
    /// part's trees released before the next, as a streamed scan does; the
    /// infrastructure's units that no rule about another unit reads this
    /// many files a part too (at least one unit a part, and none when they
    /// fit in one: all at once with `AtOnce`).
    InParts(usize),
}

/// `rules` run as a scan runs them: the rules about manifests before the
/// infrastructure is added, on the Kubernetes files and Dockerfiles read as
/// `manifests` says; the manifests' remaining trees released when the
/// infrastructure, left unparsed until then, is added.
fn scan_in_phases(
    rules: &[&'static Rule],
    files: Vec<InputFile>,
    config: &LoadedConfig,
    manifests: Manifests,
) -> (Project, Vec<Finding>) {
    let options = EvalOptions::default();
    let (parsed, part_files) = match manifests {
        Manifests::AtOnce => (
            rampart_model::ParsedFiles::parse_deferring(files, |_, _| false),
            usize::MAX,
        ),
        Manifests::InParts(part_files) => (
            rampart_model::ParsedFiles::parse_deferring(files, rampart_model::read_in_parts),
            part_files,
        ),
    };
    let deferred = parsed.deferred();
    let (mut project, infrastructure) = Project::manifests_from_parsed(parsed, &config.config);
    let mut findings = rampart_rules::evaluate_manifests(
        &mut project,
        &deferred,
        &config.config,
        rules,
        &options,
        part_files,
        |_| {},
    );
    // The infrastructure as the scan reads it too: what rules about other
    // units read first, the rest `part_files` files a part.
    let terraform = rampart_model::TerraformOptions::default();
    let parts = project.add_infrastructure_in_parts(
        infrastructure,
        &config.config,
        &terraform,
        part_files,
        &|| {},
    );
    findings.extend(evaluate_phase(
        &project,
        &config.config,
        rules,
        &options,
        Phase::Infrastructure,
    ));
    findings.extend(rampart_rules::evaluate_infrastructure_parts(
        &mut project,
        parts,
        &config.config,
        &terraform,
        rules,
        &options,
        |_| {},
        |_| {},
    ));
    rampart_rules::sort_findings(&mut findings, &project);
    (project, findings)
}

/// Releases the manifests' texts as a scan does once their rules have run,
/// but for the lines the report quotes of `findings`.
fn release_texts_as_a_scan_does(project: &mut Project, findings: &[Finding]) {
    project.release_manifest_texts(&rampart_rules::quoted_lines(findings));
}

/// What comparing two evaluations of the same files compares of a finding.
#[derive(Clone, Debug, PartialEq)]
struct Compared {
    rule: &'static str,
    file: String,
    span: Span,
    message: String,
    severity: Severity,
    tier: Option<Tier>,
    resource: String,
    fingerprint: String,
    /// The lines a report quotes, as the project has them.
    quoted: Vec<Option<String>>,
}

impl Compared {
    fn of(project: &Project, f: &Finding) -> Self {
        let file = project.file(f.file);
        Self {
            quoted: (f.span.quoted_lines())
                .map(|n| file.line(n).map(str::to_owned))
                .collect(),
            rule: f.rule.id,
            file: project.file(f.file).display_path.clone(),
            span: f.span,
            message: f.message.clone(),
            severity: f.severity,
            tier: f.tier,
            resource: f.resource.clone(),
            fingerprint: f.fingerprint.clone(),
        }
    }
}

fn example_input(example: &Example) -> InputFile {
    let (kind, name) = match example.language {
        Language::Yaml => (FileKind::Kubernetes, "example.yaml"),
        Language::Dockerfile => (FileKind::Dockerfile, "Dockerfile"),
        Language::Terraform => (FileKind::Terraform, "main.tf"),
        Language::CloudFormation => (FileKind::CloudFormation, "template.yaml"),
        Language::TerraformPlan => (FileKind::TerraformPlan, "plan.json"),
        Language::FalcoRules => (FileKind::FalcoRules, "rules.yaml"),
        Language::FalcoConfig => (FileKind::FalcoConfig, "falco.yaml"),
    };
    InputFile::new(kind, name, example.code)
}

/// The fixture path of a rule and the configuration it is scanned with.
fn fixture(rule: &Rule) -> (PathBuf, LoadedConfig) {
    let dir = fixtures_dir();
    let id = rule.meta.id;
    let candidates = [
        dir.join(format!("{id}.yaml")),
        dir.join(format!("{id}.Dockerfile")),
        dir.join(format!("{id}.tf")),
        dir.join(id),
    ];
    let found: Vec<&PathBuf> = candidates.iter().filter(|p| p.exists()).collect();
    assert_eq!(
        found.len(),
        1,
        "rule {id} needs exactly one fixture among {candidates:?}"
    );
    let path = found[0].clone();
    let config_path = if path.is_dir() {
        path.join("rampart.toml")
    } else {
        dir.join(format!("{id}.toml"))
    };
    let config = if config_path.is_file() {
        LoadedConfig::load(&config_path).unwrap_or_else(|e| panic!("{e}"))
    } else {
        LoadedConfig::default()
    };
    (path, config)
}

/// `(file, line) -> count` of the findings a fixture expects of `rule_id`:
/// `# expect:` markers, and, for files that cannot hold comments (JSON), the
/// lines `file:line` of an `EXPECTED` file in the fixture directory.
fn expectations(
    project: &Project,
    rule_id: &str,
    fixture: &Path,
) -> BTreeMap<(String, u32), usize> {
    let mut expected = BTreeMap::new();
    if let Ok(listed) = std::fs::read_to_string(fixture.join("EXPECTED")) {
        for line in listed
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let (file, number) = line.rsplit_once(':').expect("EXPECTED lines are file:line");
            let display = project
                .files
                .iter()
                .map(|f| &f.display_path)
                .find(|p| p.ends_with(&format!("/{file}")))
                .unwrap_or_else(|| panic!("EXPECTED names `{file}`, which is not in the fixture"));
            *expected
                .entry((display.clone(), number.parse().expect("a line number")))
                .or_insert(0) += 1;
        }
    }
    for file in &project.files {
        let lines: Vec<&str> = file.text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some((before, ids)) = line.split_once("# expect:") else {
                continue;
            };
            let target = if before.trim().is_empty() {
                // A marker on a line of its own: the next line with content.
                (i + 1..lines.len())
                    .find(|&j| {
                        let t = lines[j].trim();
                        !t.is_empty() && !t.starts_with('#')
                    })
                    .unwrap_or_else(|| {
                        panic!("{}:{}: marker before nothing", file.display_path, i + 1)
                    })
            } else {
                i
            };
            for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                assert_eq!(
                    id,
                    rule_id,
                    "{}:{}: marker names another rule",
                    file.display_path,
                    i + 1
                );
                *expected
                    .entry((
                        file.display_path.clone(),
                        u32::try_from(target + 1).unwrap(),
                    ))
                    .or_insert(0) += 1;
            }
        }
    }
    expected
}

fn render(project: &Project, findings: &[Finding], root: &Path) -> String {
    // Paths are shown relative to the working directory (the crate's, under
    // `cargo test`); show them relative to the fixture instead.
    let cwd = std::env::current_dir().unwrap_or_default();
    let relative = root.strip_prefix(&cwd).unwrap_or(root);
    let prefixes = [
        format!("{}/", root.display()),
        format!("{}/", relative.display()),
    ];
    findings
        .iter()
        .map(|f| {
            let path = &project.file(f.file).display_path;
            let shown = prefixes
                .iter()
                .find_map(|p| path.strip_prefix(p.as_str()))
                .unwrap_or(path);
            format!(
                "{}:{}:{} {} [{}] {}\n",
                shown, f.span.start.line, f.span.start.column, f.severity, f.resource, f.message
            )
        })
        .collect()
}

#[test]
fn documentation_examples_behave_as_documented() {
    let mut failures = Vec::new();
    for rule in evaluable_rules() {
        let (_, config) = fixture(rule);
        let docs = &rule.meta.docs;
        let (_, fail) = run(rule, vec![example_input(&docs.fail)], &config);
        if fail.is_empty() {
            failures.push(format!(
                "{}: the failing example is not reported",
                rule.meta.id
            ));
        }
        let (project, pass) = run(rule, vec![example_input(&docs.pass)], &config);
        if !pass.is_empty() {
            failures.push(format!(
                "{}: the passing example is reported:\n{}",
                rule.meta.id,
                render(&project, &pass, Path::new(""))
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Over a project holding every fixture at once, three ways of evaluating
/// the rules report exactly the same findings, in the same order (the order
/// numbers the fingerprints of repeated findings):
/// - all rules together: the engine runs the rules about objects, workloads
///   and Dockerfiles subject by subject, all of them on one subject before
///   the next;
/// - each rule alone;
/// - as a scan does, in two phases, the manifests' trees released before the
///   infrastructure is added: no rule of the second phase may read them.
#[test]
fn rules_report_the_same_however_they_are_evaluated() {
    let files = || {
        discover(&[fixtures_dir()], &DiscoverOptions::default())
            .unwrap_or_else(|e| panic!("{e}"))
            .files
    };
    let config = LoadedConfig::default();
    let project = Project::build(files(), &config.config);
    let options = EvalOptions::default();
    let rules: Vec<&'static Rule> = evaluable_rules().collect();
    let together: Vec<_> = evaluate(&project, &config.config, &rules, &options)
        .iter()
        .map(|f| Compared::of(&project, f))
        .collect();
    if std::env::var_os("RAMPART_TEST_RULES").is_none() {
        assert!(
            together.len() > 300,
            "the fixtures should give many findings, not {}",
            together.len()
        );
    }

    let mut alone: Vec<Finding> = rules
        .iter()
        .flat_map(|rule| evaluate(&project, &config.config, &[*rule], &options))
        .collect();
    rampart_rules::sort_findings(&mut alone, &project);
    let alone: Vec<_> = alone.iter().map(|f| Compared::of(&project, f)).collect();
    assert_eq!(together, alone, "each rule alone");

    // As a scan does: the infrastructure parsed once the manifests' rules
    // have run, and the Kubernetes files with the first ones, or a part at a
    // time: one file, a few, all at once. Many fixtures are read in parts.
    let deferred =
        rampart_model::ParsedFiles::parse_deferring(files(), rampart_model::read_in_parts)
            .deferred();
    assert!(
        deferred.len() > 10,
        "only {} files read in parts",
        deferred.len()
    );
    let readings = [
        Manifests::AtOnce,
        Manifests::InParts(1),
        Manifests::InParts(5),
        Manifests::InParts(usize::MAX),
    ];
    for manifests in readings {
        let (phased, findings) = scan_in_phases(&rules, files(), &config, manifests);
        let phased_keys: Vec<_> = findings.iter().map(|f| Compared::of(&phased, f)).collect();
        assert_eq!(together, phased_keys, "{manifests:?}");
    }

    // As a large scan does: the walk leaves the Dockerfiles and the
    // Kubernetes files read in parts unread, each part reads its own, and
    // releases them once checked but for the lines its findings quote. The
    // lines quoted of findings made later (NP-001's, about a namespace's
    // first workload) are read again.
    let left_unread = || {
        let options = DiscoverOptions {
            leave_unread: rampart_model::LEAVE_UNREAD,
            ..DiscoverOptions::default()
        };
        discover(&[fixtures_dir()], &options)
            .unwrap_or_else(|e| panic!("{e}"))
            .files
    };
    let unread = left_unread().iter().filter(|f| f.unread.is_some()).count();
    assert!(unread > 10, "only {unread} files left unread");
    // Each reading of `files` releases the texts as a scan does, and finds
    // what `expected` holds, lines quoted included.
    let same_left_unread = |files: &dyn Fn() -> Vec<InputFile>, expected: &[Compared], what| {
        for manifests in readings {
            let (mut phased, findings) = scan_in_phases(&rules, files(), &config, manifests);
            release_texts_as_a_scan_does(&mut phased, &findings);
            assert!(phased.diagnostics.is_empty(), "{:?}", phased.diagnostics);
            let phased_keys: Vec<_> = findings.iter().map(|f| Compared::of(&phased, f)).collect();
            assert_eq!(expected, phased_keys, "{what}, {manifests:?}");
        }
    };
    same_left_unread(&left_unread, &together, "left unread");

    // A plan reads the configuration of every root: with one, the
    // infrastructure is read whole. Without the plans, the fixtures'
    // module sets and templates are read in parts, but those that declare
    // what rules about other units read.
    let no_plans = |mut files: Vec<InputFile>| {
        files.retain(|f| f.kind != FileKind::TerraformPlan);
        files
    };
    let without_plans = || no_plans(files());
    let project = Project::build(without_plans(), &config.config);
    let whole: Vec<_> = evaluate(&project, &config.config, &rules, &options)
        .iter()
        .map(|f| Compared::of(&project, f))
        .collect();
    let parts = infrastructure_parts(without_plans(), &config, 1);
    assert!(parts > 40, "only {parts} parts of the infrastructure");
    for manifests in readings {
        let (phased, findings) = scan_in_phases(&rules, without_plans(), &config, manifests);
        let phased_keys: Vec<_> = findings.iter().map(|f| Compared::of(&phased, f)).collect();
        assert_eq!(whole, phased_keys, "without plans, {manifests:?}");
    }
    // The infrastructure's files left unread too, each part reading its own.
    let unread_without_plans = || no_plans(left_unread());
    let unread = (unread_without_plans().iter())
        .filter(|f| f.unread.is_some() && f.kind == FileKind::Terraform)
        .count();
    assert!(unread > 40, "only {unread} Terraform files left unread");
    same_left_unread(&unread_without_plans, &whole, "left unread, without plans");
}

/// A scan's walk leaves the files read in parts unread; each part reads its
/// own, and releases them once checked but for the lines its findings
/// quote. A finding made once every part is read (NP-001's, at the first
/// workload of a namespace whose `Namespace` is not scanned) quotes a line
/// of a file released without it: the file is read again for it. A file
/// that is no longer what the walk found when its part reads it is skipped
/// and reported, whatever changed.
#[cfg(unix)]
#[test]
fn files_left_unread_are_read_with_their_part_and_again_for_later_findings() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    let pod = |name: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: agents\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.0.0\n"
        )
    };
    write(
        "policy.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-web\n  namespace: agents\nspec:\n  podSelector: {matchLabels: {app: web}}\n  ingress: [{}]\n",
    );
    for name in ["a", "b", "c", "d", "e"] {
        write(&format!("{name}.yaml"), &pod(name));
    }
    write("Dockerfile", "FROM alpine:3.20\nUSER app\n");
    let options = DiscoverOptions {
        leave_unread: rampart_model::LEAVE_UNREAD,
        ..DiscoverOptions::default()
    };
    let files = discover(&[dir.path().to_path_buf()], &options)
        .unwrap()
        .files;
    let unread: Vec<&str> = (files.iter())
        .filter(|f| f.unread.is_some())
        .map(|f| f.root_relative_path.as_str())
        .collect();
    assert_eq!(
        unread,
        [
            "Dockerfile",
            "a.yaml",
            "b.yaml",
            "c.yaml",
            "d.yaml",
            "e.yaml",
            "policy.yaml"
        ]
    );
    // Changed once the walk is done, before their parts read them.
    write("b.yaml", &pod("B"));
    write("c.yaml", &pod("c-longer"));
    std::fs::remove_file(dir.path().join("d.yaml")).unwrap();
    std::fs::remove_file(dir.path().join("e.yaml")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("a.yaml"), dir.path().join("e.yaml")).unwrap();

    let np_001 = all_rules()
        .iter()
        .copied()
        .find(|r| r.meta.id == "NP-001")
        .unwrap();
    let config = LoadedConfig::default();
    let (mut project, findings) = scan_in_phases(&[np_001], files, &config, Manifests::InParts(1));
    let problems: Vec<(String, &str)> = (project.diagnostics.iter())
        .map(|d| (d.file.rsplit('/').next().unwrap().to_owned(), d.code))
        .collect();
    assert_eq!(
        problems,
        [
            ("b.yaml".to_owned(), "file-changed"),
            ("c.yaml".to_owned(), "file-changed"),
            ("d.yaml".to_owned(), "io-error"),
            ("e.yaml".to_owned(), "file-changed"),
        ]
    );
    let skipped: Vec<&str> = (project.files.iter())
        .filter(|f| f.skipped())
        .map(|f| f.root_relative_path())
        .collect();
    assert_eq!(skipped, ["b.yaml", "c.yaml", "d.yaml", "e.yaml"]);
    // At the first workload read.
    let [finding] = &findings[..] else {
        panic!("{findings:?}");
    };
    let file = project.file(finding.file);
    assert_eq!(file.root_relative_path(), "a.yaml");
    let lines: Vec<u32> = finding.span.quoted_lines().collect();
    assert!(
        file.still_unread().is_some() && !file.keeps_lines(&lines),
        "released with its part, without the lines quoted"
    );
    release_texts_as_a_scan_does(&mut project, &findings);
    let file = project.file(finding.file);
    let quoted: Vec<Option<&str>> = lines.iter().map(|&n| file.line(n)).collect();
    let text = pod("a");
    let expected: Vec<Option<&str>> = (lines.iter())
        .map(|&n| text.lines().nth(n as usize - 1))
        .collect();
    assert_eq!(quoted, expected);
    assert!(expected.iter().all(Option::is_some));
}

/// Every top-level block of the fixtures' Terraform files in a root module
/// of its own: what a rule reads of another scope is then nearly always in
/// another unit, which a scan reads in another part unless it is read
/// first. The findings are those of the whole project however many files
/// a part holds.
#[test]
fn infrastructure_read_in_parts_reports_what_the_whole_reports() {
    let blocks = [
        "resource ",
        "data ",
        "variable ",
        "locals ",
        "provider ",
        "output ",
    ];
    let mut inputs = Vec::new();
    for file in discover(&[fixtures_dir()], &DiscoverOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .files
        .into_iter()
        .filter(|f| f.kind == FileKind::Terraform)
    {
        let mut chunks: Vec<String> = Vec::new();
        for line in file.text.lines() {
            match chunks.last_mut() {
                Some(chunk) if !blocks.iter().any(|b| line.starts_with(b)) => {
                    chunk.push_str(line);
                    chunk.push('\n');
                }
                _ => chunks.push(format!("{line}\n")),
            }
        }
        let dir = file.display_path.replace(['/', '.'], "_");
        for (n, chunk) in chunks.into_iter().enumerate() {
            inputs.push((format!("atoms/{dir}/{n:03}/main.tf"), chunk));
        }
    }
    assert!(inputs.len() > 500, "only {} roots", inputs.len());
    let inputs = || {
        (inputs.iter())
            .map(|(path, text)| InputFile::new(FileKind::Terraform, path, text))
            .collect::<Vec<_>>()
    };
    let config = LoadedConfig::default();
    let options = EvalOptions::default();
    let rules: Vec<&'static Rule> = evaluable_rules().collect();
    let project = Project::build(inputs(), &config.config);
    let whole: Vec<_> = evaluate(&project, &config.config, &rules, &options)
        .iter()
        .map(|f| Compared::of(&project, f))
        .collect();
    assert!(whole.len() > 300, "only {} findings", whole.len());
    let parts = infrastructure_parts(inputs(), &config, 1);
    assert!(parts > 300, "only {parts} parts");
    for manifests in [Manifests::InParts(1), Manifests::InParts(7)] {
        let (phased, findings) = scan_in_phases(&rules, inputs(), &config, manifests);
        let phased: Vec<_> = findings.iter().map(|f| Compared::of(&phased, f)).collect();
        let missing: Vec<_> = whole.iter().filter(|k| !phased.contains(k)).collect();
        let extra: Vec<_> = phased.iter().filter(|k| !whole.contains(k)).collect();
        assert!(
            missing.is_empty() && extra.is_empty() && whole == phased,
            "{manifests:?}: missing {missing:#?}\nextra {extra:#?}"
        );
    }
}

/// For each kind of resource that rules about other units read, a unit that
/// declares it and a unit whose findings change for it (the test checks they
/// do), in two root modules: read in parts, the second sees the first
/// wherever it is, and the findings are those of the whole project.
#[test]
fn what_rules_read_of_other_units_is_read_first() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "EBS encryption by default (ENC-005)",
            "resource \"aws_ebs_encryption_by_default\" \"on\" {}\n",
            "resource \"aws_ebs_volume\" \"data\" {\n  availability_zone = \"eu-west-1a\"\n  size              = 10\n  encrypted         = false\n}\n",
        ),
        (
            "IMDS defaults (NODE-001)",
            "resource \"aws_ec2_instance_metadata_defaults\" \"imds\" {\n  http_tokens = \"required\"\n}\n",
            "resource \"aws_instance\" \"agent\" {\n  ami           = \"ami-0123456789abcdef0\"\n  instance_type = \"t3.micro\"\n}\n",
        ),
        (
            "a policy engine Helm installs (EKS-004)",
            "resource \"helm_release\" \"cilium\" {\n  name       = \"cilium\"\n  repository = \"https://helm.cilium.io\"\n  chart      = \"cilium\"\n}\n",
            "resource \"aws_eks_cluster\" \"agents\" {\n  name     = \"agents\"\n  role_arn = \"arn:aws:iam::111122223333:role/eks-cluster\"\n  vpc_config {\n    subnet_ids = [\"subnet-0a1b2c3d4e5f60001\"]\n  }\n}\n",
        ),
        (
            "GuardDuty findings routed by EventBridge (LOG-007)",
            "resource \"aws_cloudwatch_event_rule\" \"guardduty\" {\n  name          = \"guardduty\"\n  event_pattern = jsonencode({ source = [\"aws.guardduty\"] })\n}\nresource \"aws_cloudwatch_event_target\" \"guardduty\" {\n  rule = aws_cloudwatch_event_rule.guardduty.name\n  arn  = \"arn:aws:sns:us-east-1:123456789012:security-pager\"\n}\n",
            "resource \"aws_subnet\" \"critical\" {\n  vpc_id     = \"vpc-0a1b2c3d4e5f60718\"\n  cidr_block = \"10.0.1.0/24\"\n  tags       = { classification = \"critical\" }\n}\nresource \"aws_eks_cluster\" \"agents\" {\n  name     = \"agents\"\n  role_arn = \"arn:aws:iam::123456789012:role/eks-cluster\"\n  vpc_config {\n    subnet_ids = [aws_subnet.critical.id]\n  }\n}\nresource \"aws_guardduty_detector\" \"main\" {\n  enable                       = true\n  finding_publishing_frequency = \"FIFTEEN_MINUTES\"\n}\n",
        ),
        (
            "a flow log whose network is not known (LOG-001)",
            "variable \"vpc_id\" {\n  type = string\n}\nresource \"aws_flow_log\" \"all\" {\n  vpc_id               = var.vpc_id\n  traffic_type         = \"ALL\"\n  log_destination      = \"arn:aws:s3:::flow-logs\"\n  log_destination_type = \"s3\"\n}\n",
            "resource \"aws_vpc\" \"agents\" {\n  cidr_block = \"10.0.0.0/16\"\n  tags       = { classification = \"critical\" }\n}\n",
        ),
        (
            "a backup selection (BAK-002)",
            "resource \"aws_backup_selection\" \"tables\" {\n  name         = \"tables\"\n  plan_id      = \"plan\"\n  iam_role_arn = \"arn:aws:iam::123456789012:role/backup\"\n  resources    = [\"arn:aws:dynamodb:*:*:table/sessions\"]\n}\n",
            "resource \"aws_dynamodb_table\" \"ledger\" {\n  name         = \"ledger\"\n  billing_mode = \"PAY_PER_REQUEST\"\n  hash_key     = \"id\"\n  attribute {\n    name = \"id\"\n    type = \"S\"\n  }\n  tags = { classification = \"critical\" }\n}\n",
        ),
        (
            "a critical store a backup plan covers (BAK-004)",
            "resource \"aws_dynamodb_table\" \"ledger\" {\n  name         = \"ledger\"\n  billing_mode = \"PAY_PER_REQUEST\"\n  hash_key     = \"id\"\n  attribute {\n    name = \"id\"\n    type = \"S\"\n  }\n  tags = { classification = \"critical\" }\n}\n",
            "resource \"aws_backup_plan\" \"daily\" {\n  name = \"daily\"\n  rule {\n    rule_name         = \"daily\"\n    target_vault_name = \"agents\"\n    schedule          = \"cron(0 3 * * ? *)\"\n  }\n}\nresource \"aws_backup_selection\" \"tables\" {\n  name         = \"tables\"\n  plan_id      = aws_backup_plan.daily.id\n  iam_role_arn = \"arn:aws:iam::123456789012:role/backup\"\n  resources    = [\"arn:aws:dynamodb:*:*:table/ledger\"]\n}\n",
        ),
        (
            "a NAT gateway named by its id (NET-016)",
            "resource \"aws_subnet\" \"critical\" {\n  vpc_id     = \"vpc-0a1b2c3d4e5f60718\"\n  cidr_block = \"10.0.1.0/24\"\n  tags       = { classification = \"critical\" }\n}\nresource \"aws_route_table\" \"critical\" {\n  vpc_id = \"vpc-0a1b2c3d4e5f60718\"\n  route {\n    cidr_block     = \"0.0.0.0/0\"\n    nat_gateway_id = \"nat-0123456789abcdef0\"\n  }\n}\nresource \"aws_route_table_association\" \"critical\" {\n  subnet_id      = aws_subnet.critical.id\n  route_table_id = aws_route_table.critical.id\n}\n",
            "resource \"aws_subnet\" \"standard\" {\n  vpc_id     = \"vpc-0a1b2c3d4e5f60718\"\n  cidr_block = \"10.0.2.0/24\"\n  tags       = { classification = \"standard\" }\n}\nresource \"aws_route_table\" \"standard\" {\n  vpc_id = \"vpc-0a1b2c3d4e5f60718\"\n  route {\n    cidr_block     = \"0.0.0.0/0\"\n    nat_gateway_id = \"nat-0123456789abcdef0\"\n  }\n}\nresource \"aws_route_table_association\" \"standard\" {\n  subnet_id      = aws_subnet.standard.id\n  route_table_id = aws_route_table.standard.id\n}\n",
        ),
        (
            "a NAT gateway id a function assembles (NET-016)",
            "resource \"aws_subnet\" \"critical\" {\n  vpc_id     = \"vpc-0a1b2c3d4e5f60718\"\n  cidr_block = \"10.0.1.0/24\"\n  tags       = { classification = \"critical\" }\n}\nresource \"aws_route_table\" \"critical\" {\n  vpc_id = \"vpc-0a1b2c3d4e5f60718\"\n  route {\n    cidr_block     = \"0.0.0.0/0\"\n    nat_gateway_id = join(\"-\", [\"nat\", \"0123456789abcdef0\"])\n  }\n}\nresource \"aws_route_table_association\" \"critical\" {\n  subnet_id      = aws_subnet.critical.id\n  route_table_id = aws_route_table.critical.id\n}\n",
            "resource \"aws_subnet\" \"standard\" {\n  vpc_id     = \"vpc-0a1b2c3d4e5f60718\"\n  cidr_block = \"10.0.2.0/24\"\n  tags       = { classification = \"standard\" }\n}\nresource \"aws_route_table\" \"standard\" {\n  vpc_id = \"vpc-0a1b2c3d4e5f60718\"\n  route {\n    cidr_block     = \"0.0.0.0/0\"\n    nat_gateway_id = \"nat-0123456789abcdef0\"\n  }\n}\nresource \"aws_route_table_association\" \"standard\" {\n  subnet_id      = aws_subnet.standard.id\n  route_table_id = aws_route_table.standard.id\n}\n",
        ),
        (
            "a critical database in a subnet group named by its name (NET-012)",
            "resource \"aws_db_instance\" \"ledger\" {\n  identifier           = \"ledger\"\n  engine               = \"postgres\"\n  instance_class       = \"db.t3.micro\"\n  db_subnet_group_name = \"agents\"\n  tags                 = { classification = \"critical\" }\n}\n",
            "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\nresource \"aws_subnet\" \"database\" {\n  vpc_id     = aws_vpc.main.id\n  cidr_block = \"10.0.201.0/24\"\n}\nresource \"aws_route_table\" \"database\" {\n  vpc_id = aws_vpc.main.id\n  route {\n    cidr_block = \"0.0.0.0/0\"\n    gateway_id = \"igw-0123456789abcdef0\"\n  }\n}\nresource \"aws_route_table_association\" \"database\" {\n  subnet_id      = aws_subnet.database.id\n  route_table_id = aws_route_table.database.id\n}\nresource \"aws_db_subnet_group\" \"agents\" {\n  name       = \"agents\"\n  subnet_ids = [aws_subnet.database.id]\n}\n",
        ),
    ];
    let config = LoadedConfig::default();
    let options = EvalOptions::default();
    let rules: Vec<&'static Rule> = evaluable_rules().collect();
    let whole = |files: &[(&str, &str)]| {
        let inputs = (files.iter())
            .map(|(path, text)| InputFile::new(FileKind::Terraform, path, text))
            .collect();
        let project = Project::build(inputs, &config.config);
        (evaluate(&project, &config.config, &rules, &options).iter())
            .map(|f| Compared::of(&project, f))
            .collect::<Vec<_>>()
    };
    for (what, read, reader) in cases {
        // The reader first in file order, in a part of its own: the unit
        // it reads is read first all the same.
        let files = [("a/main.tf", *reader), ("b/main.tf", *read)];
        let together = whole(&files);
        let alone = whole(&files[..1]);
        let about_reader: Vec<_> = (together.iter())
            .filter(|k| k.file == "a/main.tf")
            .cloned()
            .collect();
        assert_ne!(
            about_reader, alone,
            "{what}: the reader's findings do not change"
        );
        let inputs = || {
            (files.iter())
                .map(|(path, text)| InputFile::new(FileKind::Terraform, path, text))
                .collect::<Vec<_>>()
        };
        // Parts of no more than one file: what fits in one part is read
        // whole otherwise.
        let (phased, findings) = scan_in_phases(&rules, inputs(), &config, Manifests::InParts(0));
        let phased: Vec<_> = findings.iter().map(|f| Compared::of(&phased, f)).collect();
        assert_eq!(together, phased, "{what}");
    }
}

/// How many parts a scan reads the infrastructure of `files` in, at
/// `part_files` files a part.
fn infrastructure_parts(files: Vec<InputFile>, config: &LoadedConfig, part_files: usize) -> usize {
    let parsed = rampart_model::ParsedFiles::parse_deferring(files, rampart_model::read_in_parts);
    let (project, infrastructure) = Project::manifests_from_parsed(parsed, &config.config);
    let terraform = rampart_model::TerraformOptions::default();
    let (_, parts) =
        infrastructure.split(&project.files, &project.file_kinds, &terraform, part_files);
    parts.len()
}

/// The service accounts and bindings SA-001, SA-002 and RBAC-003 read may
/// be in a later part than the workload, ServiceAccount or ClusterRole they
/// judge, or in a file read first with a Namespace: the findings wait until
/// every part is read, and are those of the whole project.
#[test]
fn findings_that_wait_on_service_accounts_and_bindings_are_those_of_the_whole_project() {
    let deployment = |name: &str, account: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: agents\nspec:\n  template:\n    spec:\n      serviceAccountName: {account}\n      containers:\n        - name: a\n          image: registry.example.com/a@sha256:{}\n",
            "0".repeat(64)
        )
    };
    let account = |name: &str, automount: &str| {
        format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: agents\n{automount}"
        )
    };
    let binding = |kind: &str, role: &str, account: &str| {
        format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: b-{account}\n  namespace: agents\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}\nsubjects: [{{kind: ServiceAccount, name: {account}, namespace: agents}}]\n"
        )
    };
    let secret_reader = |name: &str| {
        format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}\nrules:\n  - apiGroups: [\"\"]\n    resources: [\"secrets\"]\n    verbs: [\"get\"]\n"
        )
    };
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: agents\n  labels:\n    agent-classification: high\n";
    let files: Vec<(&str, String)> = vec![
        // Read first, with its Namespace: bound in `z-bindings.yaml`.
        (
            "a-first.yaml",
            format!("{namespace}---\n{}", deployment("bound-later", "bound")),
        ),
        // Workloads whose accounts opt out, are bound, or neither, each
        // decided in a later file; and one whose account opts back in in a
        // later file, and out again in the last, which is read first.
        ("b-workloads.yaml", deployment("opts-out-later", "quiet")),
        ("c-workloads.yaml", deployment("unbound", "lonely")),
        ("d-workloads.yaml", deployment("changes-its-mind", "fickle")),
        (
            "e-accounts.yaml",
            [
                account("quiet", "automountServiceAccountToken: false\n"),
                account("bound", ""),
                account("lonely", ""),
                account("fickle", "automountServiceAccountToken: true\n"),
            ]
            .join("---\n"),
        ),
        // ClusterRoles bound only inside a namespace, cluster-wide, both,
        // or not at all, by bindings in a later file.
        (
            "f-roles.yaml",
            ["in-namespace", "cluster-wide", "both", "unbound"]
                .map(secret_reader)
                .join("---\n"),
        ),
        // Read first, with a Namespace, but last in file order: its
        // `fickle` decides.
        (
            "y-first-accounts.yaml",
            format!(
                "{namespace}---\n{}",
                account("fickle", "automountServiceAccountToken: false\n")
            ),
        ),
        (
            "z-bindings.yaml",
            [
                binding("RoleBinding", "in-namespace", "bound"),
                binding("ClusterRoleBinding", "cluster-wide", "bound"),
                binding("RoleBinding", "both", "bound"),
                binding("ClusterRoleBinding", "both", "bound"),
            ]
            .join("---\n"),
        ),
    ];
    let inputs = || {
        (files.iter())
            .map(|(path, text)| InputFile::new(FileKind::Kubernetes, path, text))
            .collect::<Vec<_>>()
    };
    let rules: Vec<&'static Rule> = ["SA-001", "SA-002", "RBAC-003"]
        .iter()
        .filter_map(|id| rampart_rules::find_rule(id))
        .collect();
    assert_eq!(rules.len(), 3);
    let config = LoadedConfig::default();
    let options = EvalOptions::default();
    let project = Project::build(inputs(), &config.config);
    let whole: Vec<_> = evaluate(&project, &config.config, &rules, &options)
        .iter()
        .map(|f| Compared::of(&project, f))
        .collect();
    let reported: Vec<(&str, &str)> = (whole.iter())
        .map(|k| (k.rule, k.fingerprint.as_str()))
        .collect();
    let about = |needle: &str| whole.iter().filter(|k| k.message.contains(needle)).count();
    // SA-001: only `lonely`; `fickle`'s last ServiceAccount in file order
    // opts out.
    assert_eq!(about("service account `lonely`"), 1, "{reported:?}");
    assert_eq!(about("service account `fickle`"), 0, "{reported:?}");
    assert_eq!(about("service account `bound`"), 0, "{reported:?}");
    assert_eq!(about("service account `quiet`"), 0, "{reported:?}");
    // SA-002: the unbound ServiceAccount objects that do not opt out.
    assert_eq!(about("ServiceAccount `lonely`"), 1, "{reported:?}");
    assert_eq!(about("ServiceAccount `fickle`"), 1, "{reported:?}");
    assert_eq!(about("ServiceAccount `bound`"), 0, "{reported:?}");
    // RBAC-003: all but the role bound only inside a namespace.
    for (role, count) in [
        ("in-namespace", 0),
        ("cluster-wide", 1),
        ("both", 1),
        ("unbound", 1),
    ] {
        assert_eq!(
            about(&format!("ClusterRole `{role}`")),
            count,
            "{role}: {reported:?}"
        );
    }
    let first = rampart_model::ParsedFiles::parse_deferring(inputs(), rampart_model::read_in_parts);
    assert_eq!(first.deferred().len(), 6, "two files read first");
    for manifests in [
        Manifests::AtOnce,
        Manifests::InParts(1),
        Manifests::InParts(2),
    ] {
        let (phased, findings) = scan_in_phases(&rules, inputs(), &config, manifests);
        let phased: Vec<_> = findings.iter().map(|f| Compared::of(&phased, f)).collect();
        assert_eq!(whole, phased, "{manifests:?}");
    }
}

/// A scan reads first the Kubernetes files that may declare a
/// namespace-wide object, and the rest a part at a time: every fixture and
/// example file that declares one must be among the first.
#[test]
fn files_that_declare_namespace_wide_objects_are_read_first() {
    let kinds = rampart_model::NAMESPACE_WIDE_KINDS;
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let files = discover(&[fixtures_dir(), examples], &DiscoverOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .files;
    let config = LoadedConfig::default();
    let mut declaring = 0;
    for file in files.into_iter().filter(|f| f.kind == FileKind::Kubernetes) {
        let (path, text) = (file.display_path.clone(), file.text.clone());
        let project = Project::build(vec![file], &config.config);
        if project
            .objects
            .iter()
            .any(|o| kinds.contains(&o.kind.as_str()))
        {
            declaring += 1;
            assert!(
                rampart_model::may_declare_namespace_wide_objects(&text),
                "{path} declares a namespace-wide object, but would be read in a part"
            );
        }
    }
    assert!(declaring > 10, "only {declaring} files checked");
}

#[test]
fn fixtures_report_exactly_the_expected_lines() {
    let mut failures = Vec::new();
    for rule in evaluable_rules() {
        let (path, config) = fixture(rule);
        let discovery = discover(std::slice::from_ref(&path), &DiscoverOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let (project, findings) = run(rule, discovery.files, &config);
        assert!(
            project.diagnostics.is_empty() && discovery.diagnostics.is_empty(),
            "{}: fixture has problems: {:?} {:?}",
            rule.meta.id,
            discovery.diagnostics,
            project.diagnostics
        );
        let expected = expectations(&project, rule.meta.id, &path);
        assert!(
            !expected.is_empty(),
            "{}: the fixture expects no finding",
            rule.meta.id
        );
        let mut actual: BTreeMap<(String, u32), usize> = BTreeMap::new();
        for f in &findings {
            *actual
                .entry((project.file(f.file).display_path.clone(), f.span.start.line))
                .or_insert(0) += 1;
        }
        if actual != expected {
            failures.push(format!(
                "{}: expected {expected:?}\n  got {actual:?}\n{}",
                rule.meta.id,
                render(&project, &findings, &fixtures_dir())
            ));
        }
        let root = if path.is_dir() {
            path.clone()
        } else {
            fixtures_dir()
        };
        insta::assert_snapshot!(rule.meta.id.to_owned(), render(&project, &findings, &root));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn metadata_is_complete_and_consistent() {
    let mut ids = std::collections::HashSet::new();
    let mut names = std::collections::HashSet::new();
    for rule in all_rules() {
        let meta = &rule.meta;
        assert!(ids.insert(meta.id), "duplicate id {}", meta.id);
        assert!(names.insert(meta.name), "duplicate name {}", meta.name);
        let (family, number) = meta.id.rsplit_once('-').expect("ids are FAMILY-NNN");
        assert!(
            family.starts_with(|c: char| c.is_ascii_uppercase())
                && family
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && number.len() == 3
                && number.chars().all(|c| c.is_ascii_digit()),
            "{}",
            meta.id
        );
        assert!(
            meta.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{} is not kebab-case",
            meta.name
        );
        assert!(
            !meta.summary.ends_with('.'),
            "{}: summaries are titles",
            meta.id
        );
        assert!(
            !meta.requirements.is_empty(),
            "{} cites no requirement",
            meta.id
        );
        for id in meta.requirements {
            assert!(
                rampart_rules::requirement(id).is_some(),
                "{}: unknown requirement {id}",
                meta.id
            );
        }
        assert!(
            !meta.iso27001_2013().is_empty() && !meta.iso27001_2022().is_empty(),
            "{}",
            meta.id
        );
        for text in [meta.docs.what, meta.docs.why, meta.docs.fix] {
            assert!(
                text.len() > 40,
                "{}: documentation too thin: {text}",
                meta.id
            );
        }
    }
}

#[test]
fn rules_reference_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let generated = rampart_rules::rules_reference();
    if std::env::var_os("RAMPART_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).expect("write docs/rules.md");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rules.md is stale: regenerate it with `RAMPART_UPDATE_DOCS=1 cargo test -p rampart-rules --test rules rules_reference` \
         (or `rampart rules --format markdown > docs/rules.md`)"
    );
}
