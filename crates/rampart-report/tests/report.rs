//! Every format over one small, realistic scan: a critical-tier namespace with a
//! privileged Deployment that also carries a plaintext credential, an image that
//! runs as root, and a manifest that does not parse. The findings come from the
//! real engine; the credential finding is built by hand, as a secret rule would
//! report it.

// A test's job is to panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use boon::{Compiler, Schemas, UrlLoader};
use rampart_config::{Config, Severity, Tier};
use rampart_discover::{FileKind, InputFile};
use rampart_model::{Project, Subject};
use rampart_report::{Format, Redactions, RenderOptions, ScanReport, Summary, write_report};
use rampart_rules::{EvalOptions, Finding, Rule, evaluate, explain, find_rule};
use rampart_source::{Diagnostic, Position, Secret, Span};
use serde_json::Value;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

const AGENTS_YAML: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: agents
  labels:
    agent-classification: critical
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: planner
  namespace: agents
spec:
  template:
    spec:
      containers:
        - name: planner
          image: registry.example.com/planner:2.3.1
          env:
            - name: AWS_SECRET_ACCESS_KEY
              value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
          securityContext:
            privileged: true
"#;

const DOCKERFILE: &str = r#"FROM python:3.12-slim
COPY app /app
CMD ["python", "/app/main.py"]
"#;

const BROKEN_YAML: &str = "apiVersion: v1\nkind: [Pod\n";

/// The credentials rule; its finding is built by hand below so that the message
/// quotes the secret verbatim, the worst case for redaction.
fn secret_rule() -> &'static Rule {
    find_rule("SEC-001").unwrap()
}

fn input(kind: FileKind, path: &str, text: &str) -> InputFile {
    InputFile::new(kind, path, text)
}

struct Scan {
    project: Project,
    findings: Vec<Finding>,
    redactions: Redactions,
    diagnostics: Vec<Diagnostic>,
    rules: Vec<&'static Rule>,
}

impl Scan {
    fn report(&self) -> ScanReport<'_> {
        ScanReport {
            project: &self.project,
            findings: &self.findings,
            diagnostics: &self.diagnostics,
            rules: &self.rules,
            summary: Summary {
                files_scanned: self.project.files.len(),
                rules_run: self.rules.len(),
                suppressed: 2,
                baselined: 1,
            },
            redactions: &self.redactions,
        }
    }
}

fn scan() -> Scan {
    let config = Config::default();
    let project = Project::build(
        vec![
            input(FileKind::Kubernetes, "deploy/agents.yaml", AGENTS_YAML),
            input(FileKind::Kubernetes, "deploy/broken.yaml", BROKEN_YAML),
            input(
                FileKind::Dockerfile,
                "images/planner/Dockerfile",
                DOCKERFILE,
            ),
        ],
        &config,
    );
    let mut rules: Vec<&'static Rule> = ["PSS-001", "PSS-003", "NP-001", "DF-001"]
        .into_iter()
        .map(|id| find_rule(id).unwrap())
        .collect();
    let mut findings = evaluate(&project, &config, &rules, &EvalOptions::default());
    findings.push(secret_finding(&project));
    rules.push(secret_rule());
    findings.sort_by(|a, b| {
        let key = |f: &Finding| {
            (
                project.file(f.file).display_path.clone(),
                f.span.start,
                f.rule.id,
            )
        };
        key(a).cmp(&key(b))
    });
    let diagnostics = project.diagnostics.clone();
    let redactions = Redactions::from_findings(&findings);
    Scan {
        project,
        findings,
        redactions,
        diagnostics,
        rules,
    }
}

/// The finding a secret rule reports on the `value:` line, as the engine would
/// finish it.
fn secret_finding(project: &Project) -> Finding {
    let file = rampart_source::FileId(0);
    let (index, line) = AGENTS_YAML
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(SECRET))
        .unwrap();
    let column = line.find(SECRET).unwrap();
    let span = Span::on_line(
        u32::try_from(index + 1).unwrap(),
        u32::try_from(column + 1).unwrap(),
        u32::try_from(SECRET.len()).unwrap(),
    );
    let subject = Subject::Object(
        project
            .objects
            .iter()
            .position(|o| o.kind == "Deployment")
            .unwrap(),
    );
    let tier = project.subject_tier(subject);
    assert_eq!(tier, Some(Tier::Critical));
    let resource = project.resource(subject, span);
    let location = project.locate(subject, span);
    Finding {
        rule: &secret_rule().meta,
        severity: secret_rule().meta.severity.raised(),
        subject,
        file,
        span,
        message: format!(
            "container `planner` sets `AWS_SECRET_ACCESS_KEY` to a plaintext credential (`{}`)",
            rampart_source::redact(SECRET)
        ),
        fingerprint: rampart_rules::fingerprint(&[
            secret_rule().meta.id,
            "deploy/agents.yaml",
            &resource,
            &location,
        ]),
        resource,
        tier,
        secrets: vec![Secret::new(SECRET)],
    }
}

fn render(format: Format, report: &ScanReport<'_>, color: bool) -> String {
    let mut out = Vec::new();
    write_report(format, report, &RenderOptions { color }, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Loads nothing: every schema a test needs is added as a resource, and the
/// metaschemas are built into boon, so a validation never touches the network.
struct Offline;

impl UrlLoader for Offline {
    fn load(&self, url: &str) -> Result<Value, Box<dyn std::error::Error>> {
        Err(format!("refusing to load {url}: tests run offline").into())
    }
}

fn check_against(schema_path: &Path, instance: &Value) -> Result<(), String> {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", schema_path.display()));
    let mut compiler = Compiler::new();
    compiler.use_loader(Box::new(Offline));
    compiler.enable_format_assertions();
    let url = "urn:rampart-test:schema";
    compiler.add_resource(url, schema).unwrap();
    let mut schemas = Schemas::new();
    let index = compiler
        .compile(url, &mut schemas)
        .unwrap_or_else(|e| panic!("{}: {e:#}", schema_path.display()));
    schemas
        .validate(instance, index)
        .map_err(|error| format!("{error:#}"))
}

fn validate(schema_path: &Path, instance: &Value) {
    if let Err(error) = check_against(schema_path, instance) {
        panic!("output does not match {}:\n{error}", schema_path.display());
    }
}

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .unwrap()
}

fn json_schema_path() -> std::path::PathBuf {
    repo_root().join("docs/schemas/rampart-report-v1.schema.json")
}

fn sarif_schema_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json")
}

#[test]
fn the_scan_has_what_the_snapshots_show() {
    let scan = scan();
    let found: Vec<(&str, Severity, Option<Tier>)> = scan
        .findings
        .iter()
        .map(|f| (f.rule.id, f.severity, f.tier))
        .collect();
    assert!(found.contains(&("PSS-001", Severity::Critical, Some(Tier::Critical))));
    assert!(found.contains(&("DF-001", Severity::High, None)));
    assert!(found.contains(&("SEC-001", Severity::Critical, Some(Tier::Critical))));
    assert_eq!(scan.diagnostics.len(), 1, "{:?}", scan.diagnostics);
}

#[test]
fn pretty() {
    let scan = scan();
    insta::assert_snapshot!(render(Format::Pretty, &scan.report(), false));
}

#[test]
fn pretty_without_color_has_no_escape_codes_and_with_color_has_them() {
    let scan = scan();
    let plain = render(Format::Pretty, &scan.report(), false);
    assert!(!plain.contains('\u{1b}'), "{plain}");
    let colored = render(Format::Pretty, &scan.report(), true);
    assert!(colored.contains("\u{1b}["), "{colored}");
}

#[test]
fn pretty_neutralises_escape_sequences_from_scanned_text() {
    let mut scan = scan();
    scan.findings[0].message = "evil \u{1b}]8;;https://x\u{7}link\u{1b}[2J \u{9b}31m".to_owned();
    scan.findings[0].resource = "Pod/\u{1b}[31mred".to_owned();
    for color in [false, true] {
        let text = render(Format::Pretty, &scan.report(), color);
        assert!(!text.contains("\u{1b}]8"), "{text}");
        assert!(!text.contains("\u{1b}[2J"), "{text}");
        assert!(!text.contains("\u{1b}[31mred"), "{text}");
        assert!(!text.contains('\u{9b}'), "{text}");
        assert!(!text.contains('\u{7}'), "{text}");
    }
}

#[test]
fn pretty_summary_when_clean() {
    let scan = scan();
    let report = ScanReport {
        findings: &[],
        diagnostics: &[],
        summary: Summary {
            files_scanned: 12,
            ..Summary::default()
        },
        ..scan.report()
    };
    assert_eq!(
        render(Format::Pretty, &report, false),
        "no findings in 12 files\n"
    );
    assert_eq!(
        rampart_report::summary_line(&scan.report()),
        "5 findings (4 critical, 1 high) in 3 files; 2 suppressed, 1 in baseline; 1 input problem"
    );
}

#[test]
fn pretty_marks_the_first_line_of_a_multi_line_span() {
    let mut scan = scan();
    let finding = scan
        .findings
        .iter_mut()
        .find(|f| f.rule.id == "PSS-001")
        .unwrap();
    // From `securityContext:` to the end of the file.
    finding.span = Span::new(Position::new(22, 11), Position::new(24, 1));
    let text = render(Format::Pretty, &scan.report(), false);
    assert!(
        text.contains("22 |           securityContext:\n   |           ^^^^^^^^^^^^^^^^"),
        "{text}"
    );
}

/// Snapshots show the version as `[version]`, so a release does not touch them.
fn without_version(output: &str) -> String {
    output.replace(
        &format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        "\"[version]\"",
    )
}

#[test]
fn json() {
    let scan = scan();
    let output = render(Format::Json, &scan.report(), false);
    let value: Value = serde_json::from_str(&output).unwrap();
    assert_eq!(value["tool"]["version"], env!("CARGO_PKG_VERSION"));
    insta::assert_snapshot!(without_version(&output));
}

#[test]
fn json_matches_its_schema() {
    let scan = scan();
    let value: Value = serde_json::from_str(&render(Format::Json, &scan.report(), false)).unwrap();
    validate(&json_schema_path(), &value);
    let clean = ScanReport {
        findings: &[],
        diagnostics: &[],
        ..scan.report()
    };
    let value: Value = serde_json::from_str(&render(Format::Json, &clean, false)).unwrap();
    validate(&json_schema_path(), &value);
}

/// The schema allows unknown fields (version 1 may grow), so check the other way
/// too: every field the report writes is documented in the schema.
#[test]
fn json_writes_no_undocumented_field() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(json_schema_path()).unwrap()).unwrap();
    let scan = scan();
    let value: Value = serde_json::from_str(&render(Format::Json, &scan.report(), false)).unwrap();
    fn keys(value: &Value) -> Vec<String> {
        value.as_object().unwrap().keys().cloned().collect()
    }
    fn documented(schema: &Value, pointer: &str) -> Vec<String> {
        keys(schema.pointer(pointer).unwrap())
    }
    let check = |object: &Value, pointer: &str| {
        for key in keys(object) {
            assert!(
                documented(&schema, pointer).contains(&key),
                "`{key}` is missing from the schema at {pointer}"
            );
        }
    };
    check(&value, "/properties");
    check(&value["tool"], "/properties/tool/properties");
    check(&value["summary"], "/properties/summary/properties");
    check(
        &value["summary"]["by_severity"],
        "/properties/summary/properties/by_severity/properties",
    );
    for finding in value["findings"].as_array().unwrap() {
        check(finding, "/definitions/finding/properties");
        check(
            &finding["iso27001"],
            "/definitions/finding/properties/iso27001/properties",
        );
    }
    for diagnostic in value["diagnostics"].as_array().unwrap() {
        check(diagnostic, "/definitions/diagnostic/properties");
    }
    // And the documentation names every field of a finding.
    let doc = std::fs::read_to_string(repo_root().join("docs/json-report.md")).unwrap();
    for key in documented(&schema, "/definitions/finding/properties")
        .into_iter()
        .chain(documented(&schema, "/definitions/diagnostic/properties"))
        .chain(documented(&schema, "/properties/summary/properties"))
    {
        assert!(
            doc.contains(&format!("`{key}`")),
            "docs/json-report.md does not document `{key}`"
        );
    }
}

/// Rule help texts are the rules' own documentation, tested in `rampart-rules`
/// (and below); the snapshot shows where they go, not what they say.
fn sarif_for_snapshot(output: &str, rules: &[&'static Rule]) -> String {
    let mut output = without_version(output);
    for rule in rules {
        let id = rule.meta.id;
        let quoted = |text: &str| serde_json::to_string(text).unwrap();
        if find_rule(id).is_some() {
            output = output.replace(
                &quoted(&explain(&rule.meta)),
                &quoted(&format!("[explain {id}]")),
            );
        }
        output = output.replace(
            &quoted(rule.meta.docs.what.trim()),
            &quoted(&format!("[what {id}]")),
        );
    }
    output
}

#[test]
fn sarif() {
    let scan = scan();
    let output = render(Format::Sarif, &scan.report(), false);
    insta::assert_snapshot!(sarif_for_snapshot(&output, &scan.rules));
}

#[test]
fn sarif_matches_the_official_schema() {
    let scan = scan();
    let value: Value = serde_json::from_str(&render(Format::Sarif, &scan.report(), false)).unwrap();
    validate(&sarif_schema_path(), &value);
    let clean = ScanReport {
        findings: &[],
        diagnostics: &[],
        ..scan.report()
    };
    let value: Value = serde_json::from_str(&render(Format::Sarif, &clean, false)).unwrap();
    validate(&sarif_schema_path(), &value);
}

/// The validations above would pass vacuously if the schemas accepted anything.
#[test]
fn the_schemas_reject_broken_output() {
    let scan = scan();
    let sarif: Value = serde_json::from_str(&render(Format::Sarif, &scan.report(), false)).unwrap();
    let broken = |pointer: &str, replacement: Value| {
        let mut value = sarif.clone();
        *value.pointer_mut(pointer).unwrap() = replacement;
        value
    };
    for (pointer, replacement) in [
        ("/runs/0/results/0/level", Value::from("fatal")),
        (
            "/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri",
            Value::from("deploy/my app.yaml"),
        ),
        (
            "/runs/0/results/0/locations/0/physicalLocation/region/startLine",
            Value::from(0),
        ),
        (
            "/runs/0/tool/driver/rules/0/helpUri",
            Value::from("rules.md"),
        ),
        (
            "/runs/0/tool/driver/rules/0/properties/tags/1",
            Value::from("security"),
        ),
    ] {
        assert!(
            check_against(&sarif_schema_path(), &broken(pointer, replacement)).is_err(),
            "SARIF schema accepted a broken {pointer}"
        );
    }
    let json: Value = serde_json::from_str(&render(Format::Json, &scan.report(), false)).unwrap();
    for (pointer, replacement) in [
        ("/version", Value::from(2)),
        ("/findings/0/severity", Value::from("severe")),
        ("/findings/0/line", Value::from(0)),
        ("/findings/0/tier", Value::from("gold")),
        ("/findings/0/fingerprint", Value::from("xyz")),
        ("/diagnostics/0/column", Value::from("1")),
    ] {
        let mut value = json.clone();
        *value.pointer_mut(pointer).unwrap() = replacement;
        assert!(
            check_against(&json_schema_path(), &value).is_err(),
            "JSON report schema accepted a broken {pointer}"
        );
    }
}

#[test]
fn the_sarif_schema_is_the_official_one() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(sarif_schema_path()).unwrap()).unwrap();
    assert_eq!(
        schema["id"],
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    );
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
}

#[test]
fn sarif_rules_carry_their_documentation_and_every_result_resolves() {
    let scan = scan();
    let value: Value = serde_json::from_str(&render(Format::Sarif, &scan.report(), false)).unwrap();
    let driver = &value["runs"][0]["tool"]["driver"];
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), scan.rules.len());
    for (descriptor, rule) in rules.iter().zip(&scan.rules) {
        assert_eq!(descriptor["id"], rule.meta.id);
        if find_rule(rule.meta.id).is_some() {
            assert_eq!(descriptor["help"]["markdown"], explain(&rule.meta));
            assert_eq!(descriptor["help"]["text"], explain(&rule.meta));
        }
        let tags = descriptor["properties"]["tags"].as_array().unwrap();
        assert!(tags.contains(&Value::from("security")));
        for requirement in rule.meta.requirements {
            assert!(tags.contains(&Value::from(*requirement)));
        }
    }
    for result in value["runs"][0]["results"].as_array().unwrap() {
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

#[test]
fn sarif_lists_rules_that_only_findings_cite() {
    let scan = scan();
    // The filter stage reports suppression problems under rules that never ran.
    let report = ScanReport {
        rules: &scan.rules[..1],
        ..scan.report()
    };
    let value: Value = serde_json::from_str(&render(Format::Sarif, &report, false)).unwrap();
    validate(&sarif_schema_path(), &value);
    let rules = value["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for result in value["runs"][0]["results"].as_array().unwrap() {
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

#[test]
fn junit() {
    let scan = scan();
    let xml = render(Format::Junit, &scan.report(), false);
    roxmltree::Document::parse(&xml).unwrap();
    insta::assert_snapshot!(xml);
}

#[test]
fn junit_is_green_when_clean() {
    let scan = scan();
    let report = ScanReport {
        findings: &[],
        diagnostics: &[],
        ..scan.report()
    };
    let xml = render(Format::Junit, &report, false);
    let document = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].attribute("name"), Some("no findings in 3 files"));
    assert!(
        !document
            .descendants()
            .any(|n| n.has_tag_name("failure") || n.has_tag_name("error"))
    );
}

#[test]
fn junit_survives_hostile_text() {
    let hostile = "<x a=\"1\">&amp; ' ]]> \u{0}\u{1b}[31m\u{8}\u{fffe}\ttab\nnew\r\nline </x>";
    let mut scan = scan();
    scan.findings[0].message = hostile.to_owned();
    scan.findings[0].resource = hostile.to_owned();
    scan.diagnostics[0].message = hostile.to_owned();
    let xml = render(Format::Junit, &scan.report(), false);
    let document = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    // What XML can carry arrives intact; what it cannot became U+FFFD.
    let expected =
        "<x a=\"1\">&amp; ' ]]> \u{fffd}\u{fffd}[31m\u{fffd}\u{fffd}\ttab\nnew\r\nline </x>";
    let failure = document
        .descendants()
        .find(|n| n.has_tag_name("failure") && n.attribute("message") == Some(expected))
        .unwrap_or_else(|| panic!("no failure carries the hostile message:\n{xml}"));
    assert!(failure.text().unwrap().contains(expected));
    assert!(
        document.descendants().any(|n| n.has_tag_name("testcase")
            && n.attribute("name")
                .is_some_and(|name| name.contains(expected))),
        "the resource is part of a testcase name"
    );
    let error = document
        .descendants()
        .find(|n| n.has_tag_name("error"))
        .unwrap();
    assert_eq!(error.attribute("message"), Some(expected));
}

#[test]
fn the_secret_never_appears_in_any_format() {
    let scan = scan();
    let redacted = rampart_source::redact(SECRET);
    for format in Format::ALL {
        for color in [false, true] {
            let text = render(format, &scan.report(), color);
            assert!(
                !text.contains(SECRET),
                "{format} output leaks the secret:\n{text}"
            );
        }
    }
    // The pretty report shows the source line, redacted.
    let pretty = render(Format::Pretty, &scan.report(), false);
    assert!(pretty.contains(&format!("value: {redacted}")), "{pretty}");
}

#[test]
fn a_message_that_quotes_the_secret_is_redacted_too() {
    let mut scan = scan();
    let finding = scan
        .findings
        .iter_mut()
        .find(|f| !f.secrets.is_empty())
        .unwrap();
    finding.message = format!("found {SECRET}");
    finding.resource = format!("Pod/{SECRET}");
    for format in Format::ALL {
        let text = render(format, &scan.report(), false);
        assert!(!text.contains(SECRET), "{format} leaks:\n{text}");
    }
}
