//! Suppressions and baselines on real scans.

// A test's job is to panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_config::{Config, Severity};
use rampart_discover::{FileKind, InputFile};
use rampart_filter::{Baseline, RuleSets, apply_suppressions, parse_suppressions};
use rampart_model::Project;
use rampart_rules::{EvalOptions, Finding, Redactions, Rule, all_rules, evaluate, find_rule};

fn input(kind: FileKind, path: &str, text: &str) -> InputFile {
    InputFile::new(kind, path, text)
}

fn rules(ids: &[&str]) -> Vec<&'static Rule> {
    ids.iter().map(|id| find_rule(id).unwrap()).collect()
}

/// Scans, applies suppressions, and returns `(rule id, line)` of what is left
/// plus the number suppressed.
fn scan(files: Vec<InputFile>, run: &[&'static Rule]) -> (Vec<(String, u32, String)>, usize) {
    let config = Config::default();
    let project = Project::build(files, &config);
    let mut findings = evaluate(&project, &config, run, &EvalOptions::default());
    let suppressions = parse_suppressions(&project);
    let rule_sets = RuleSets {
        evaluated: run,
        selected: run,
    };
    let suppressed = apply_suppressions(
        &mut findings,
        &suppressions,
        rule_sets,
        |r| r.meta.severity,
        &project,
    );
    let left = findings
        .iter()
        .map(|f| (f.rule.id.to_owned(), f.span.start.line, f.message.clone()))
        .collect();
    (left, suppressed.len())
}

const POD: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: sensor
spec:
  securityContext:
    runAsNonRoot: true
  containers:
    - name: a
      image: registry.example.com/a:1.0.0
      securityContext:
        privileged: true # rampart:ignore PSS-001 -- eBPF sensor, approved in SEC-142
    - name: b
      image: registry.example.com/b:1.0.0
      securityContext:
        # rampart:ignore privileged-container -- same sensor, second probe
        # (stacked comments are fine)
        privileged: true
    - name: c
      image: registry.example.com/c:1.0.0
      securityContext:
        privileged: true # rampart:ignore PSS-001
    - name: d
      image: "registry.example.com/d:1.0.0 # rampart:ignore PSS-001 -- inside a string"
      securityContext:
        privileged: true
"#;

#[test]
fn suppressions_need_a_reason_and_cover_their_line_or_the_next() {
    let run = rules(&["PSS-001", "META-001", "META-002"]);
    let (left, suppressed) = scan(vec![input(FileKind::Kubernetes, "pod.yaml", POD)], &run);
    assert_eq!(suppressed, 2);
    let summary: Vec<(&str, u32)> = left
        .iter()
        .map(|(id, line, _)| (id.as_str(), *line))
        .collect();
    // c: the reasonless suppression is reported and suppresses nothing;
    // d: a `#` inside a quoted string is not a comment.
    assert_eq!(
        summary,
        vec![("PSS-001", 22), ("META-001", 22), ("PSS-001", 26)]
    );
}

#[test]
fn unused_and_unknown_suppressions_are_reported_but_not_for_rules_that_did_not_run() {
    let text = r#"apiVersion: v1
kind: Pod
metadata:
  name: clean
spec:
  containers:
    - name: a # rampart:ignore PSS-003 -- checked elsewhere
      image: registry.example.com/a:1.0.0
      securityContext:
        privileged: false # rampart:ignore PSS-001, NOPE-1 -- legacy
"#;
    let run = rules(&["PSS-001", "META-001", "META-002"]);
    let (left, _) = scan(vec![input(FileKind::Kubernetes, "pod.yaml", text)], &run);
    let summary: Vec<(&str, u32)> = left
        .iter()
        .map(|(id, line, _)| (id.as_str(), *line))
        .collect();
    // PSS-003 did not run: not called unused. PSS-001 suppressed nothing; NOPE-1 is no rule.
    assert_eq!(summary, vec![("META-002", 10), ("META-002", 10)]);
    assert!(left[0].2.contains("PSS-001") || left[1].2.contains("PSS-001"));
    assert!(
        left.iter()
            .any(|(_, _, m)| m.contains("`NOPE-1` is not a rampart rule"))
    );

    // Without META-002 selected, nothing is said about unused suppressions.
    let run = rules(&["PSS-001", "META-001"]);
    let (left, _) = scan(vec![input(FileKind::Kubernetes, "pod.yaml", text)], &run);
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn dockerfiles_only_have_comment_lines() {
    let text = "FROM alpine:3.20@sha256:2222222222222222222222222222222222222222222222222222222222222222\n\
                # rampart:ignore DF-001 -- the entrypoint drops privileges itself (su-exec)\n\
                USER root\n";
    let run = rules(&["DF-001", "META-001", "META-002"]);
    let (left, suppressed) = scan(vec![input(FileKind::Dockerfile, "Dockerfile", text)], &run);
    assert_eq!((left.len(), suppressed), (0, 1), "{left:?}");

    // A trailing `#` is part of the instruction, not a suppression.
    let text = "FROM alpine:3.20@sha256:2222222222222222222222222222222222222222222222222222222222222222 # rampart:ignore DF-001 -- not a comment in a Dockerfile\n";
    let (left, suppressed) = scan(vec![input(FileKind::Dockerfile, "Dockerfile", text)], &run);
    assert_eq!(suppressed, 0);
    assert_eq!(left.len(), 1);
}

#[test]
fn a_baseline_survives_moving_resources_within_their_file() {
    let first = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: x\n      image: r.example.com/x:1\n      securityContext: {privileged: true}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec:\n  containers:\n    - name: y\n      image: r.example.com/y:1\n      securityContext: {privileged: true}\n";
    // The same resources, swapped and pushed down by a comment block.
    let moved = "# reordered\n#\n#\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec:\n  containers:\n    - name: y\n      image: r.example.com/y:1\n      securityContext: {privileged: true}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: x\n      image: r.example.com/x:1\n      securityContext: {privileged: true}\n";
    let config = Config::default();
    let run = rules(&["PSS-001"]);
    let findings = |text: &str| -> (Project, Vec<Finding>) {
        let project = Project::build(
            vec![input(FileKind::Kubernetes, "k8s/pods.yaml", text)],
            &config,
        );
        let findings = evaluate(&project, &config, &run, &EvalOptions::default());
        (project, findings)
    };
    let (project, before) = findings(first);
    assert_eq!(before.len(), 2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baseline.json");
    Baseline::write(&path, &before, &project, &Redactions::default()).unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.contains("\"rule\": \"PSS-001\"") && written.contains("k8s/pods.yaml"));

    let baseline = Baseline::load(&path).unwrap();
    let (_, mut after) = findings(moved);
    assert_eq!(after[0].span.start.line, 11, "the findings really moved");
    assert_eq!(baseline.apply(&mut after), 2);
    assert!(after.is_empty());

    // A new finding is not in the baseline.
    let (_, mut grown) = findings(&format!(
        "{first}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: c}}\nspec:\n  containers:\n    - name: z\n      image: r.example.com/z:1\n      securityContext: {{privileged: true}}\n"
    ));
    assert_eq!(baseline.apply(&mut grown), 2);
    assert_eq!(grown.len(), 1);
    assert_eq!(grown[0].resource, "Pod/c");
}

#[test]
fn broken_baselines_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baseline.json");
    std::fs::write(
        &path,
        "{\"version\": 1, \"findings\": [ {\"fingerprint\": 3} ]}",
    )
    .unwrap();
    let err = Baseline::load(&path).unwrap_err();
    assert!(err.to_string().contains("baseline.json"), "{err}");
    assert!(err.message.contains("line 1"), "{err}");
    std::fs::write(&path, "{\"version\": 7, \"findings\": []}").unwrap();
    assert!(
        Baseline::load(&path)
            .unwrap_err()
            .message
            .contains("version 7")
    );
    assert!(Baseline::load(&dir.path().join("missing.json")).is_err());
}

#[test]
fn severity_overrides_apply_to_meta_findings() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a # rampart:ignore PSS-001\n      image: r.example.com/a:1\n";
    let config = Config::default();
    let project = Project::build(vec![input(FileKind::Kubernetes, "p.yaml", text)], &config);
    let run: Vec<&'static Rule> = all_rules().to_vec();
    let mut findings = Vec::new();
    let suppressions = parse_suppressions(&project);
    let rule_sets = RuleSets {
        evaluated: &run,
        selected: &run,
    };
    apply_suppressions(
        &mut findings,
        &suppressions,
        rule_sets,
        |_| Severity::Critical,
        &project,
    );
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].severity, Severity::Critical);
    assert_eq!(findings[0].resource, "p.yaml");
}

#[test]
fn a_suppression_covers_the_whole_entry_or_instruction_below_it() {
    let yaml = r#"apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: app
      image: r.example.com/a:1
      env:
        # rampart:ignore SEC-001 -- test fixture credential, rotated daily
        - name: DB_PASSWORD
          value: "Sup3rS3cretValue!"
        - name: API_TOKEN # rampart:ignore SEC-001 -- same fixture
          value: "an0therS3cretValue"
        - name: UNSUPPRESSED_PASSWORD
          value: "th1rdS3cretValue!!"
"#;
    let run = rules(&["SEC-001", "META-001", "META-002"]);
    let (left, suppressed) = scan(vec![input(FileKind::Kubernetes, "pod.yaml", yaml)], &run);
    assert_eq!(suppressed, 2);
    let summary: Vec<(&str, u32)> = left
        .iter()
        .map(|(id, line, _)| (id.as_str(), *line))
        .collect();
    assert_eq!(summary, vec![("SEC-001", 15)]);

    let dockerfile = "FROM alpine:3.20@sha256:2222222222222222222222222222222222222222222222222222222222222222\n\
                      USER 10001\n\
                      # rampart:ignore DF-003 -- build-time only, scrubbed in the final stage\n\
                      ENV APP_MODE=prod \\\n    DB_PASSWORD=Sup3rS3cretValue!\n";
    let run = rules(&["DF-003", "META-001", "META-002"]);
    let (left, suppressed) = scan(
        vec![input(FileKind::Dockerfile, "Dockerfile", dockerfile)],
        &run,
    );
    assert_eq!((left.len(), suppressed), (0, 1), "{left:?}");
}

#[test]
fn families_can_be_suppressed_and_quoted_text_cannot_suppress() {
    let text = r#"apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  hostPID: true # rampart:ignore PSS -- node-level profiler, approved in SEC-77
  hostIPC: true
  containers:
    - name: a
      image: 'it''s # rampart:ignore PSS-007 -- injected through a value'
"#;
    let run = rules(&["PSS-007", "META-001", "META-002"]);
    let (left, suppressed) = scan(vec![input(FileKind::Kubernetes, "pod.yaml", text)], &run);
    assert_eq!(suppressed, 1);
    let summary: Vec<(&str, u32)> = left
        .iter()
        .map(|(id, line, _)| (id.as_str(), *line))
        .collect();
    assert_eq!(summary, vec![("PSS-007", 6)]);
}

#[test]
fn many_suppressions_in_one_file() {
    // 20,000 suppressed findings (matching looks each one up by line).
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec:\n  hostPID: true # rampart:ignore PSS-007 -- profiler\n"
        ));
    }
    let run = rules(&["PSS-007"]);
    let (left, suppressed) = scan(vec![input(FileKind::Kubernetes, "pods.yaml", &text)], &run);
    assert_eq!((left.len(), suppressed), (0, 20_000));
}

#[test]
fn a_suppression_stops_where_its_entry_ends() {
    // The comment above `sidecar` covers that container, not the next one, and a
    // comment above an env item does not reach the flow item after it.
    let text = r#"apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    # rampart:ignore PSS-010 -- the sidecar writes its socket to the root filesystem
    - name: sidecar
      image: r.example.com/s:1
      env:
        # rampart:ignore SEC-001 -- rotated test credential
        - name: A_PASSWORD
          value: "Zq9xLw7Tp4Vb2Nm"
        - {name: B_PASSWORD, value: "Hk3Rt8Yw2Qs6Pz1"}
    - name: app
      image: r.example.com/a:1
  hostPID: true
"#;
    let run = rules(&["PSS-010", "SEC-001", "META-001", "META-002"]);
    let (left, suppressed) = scan(vec![input(FileKind::Kubernetes, "pod.yaml", text)], &run);
    assert_eq!(suppressed, 2);
    let summary: Vec<(&str, u32)> = left
        .iter()
        .map(|(id, line, _)| (id.as_str(), *line))
        .collect();
    assert_eq!(summary, vec![("SEC-001", 13), ("PSS-010", 14)]);
}

#[test]
fn comment_text_inside_block_scalars_is_not_a_suppression() {
    let text = r#"apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  notes: |
    # rampart:ignore SEC-002 -- this is documentation, not a comment
    ok
# rampart:ignore SEC-002 -- a real comment after the block
  other: x
"#;
    let config = Config::default();
    let project = Project::build(vec![input(FileKind::Kubernetes, "cm.yaml", text)], &config);
    let suppressions = parse_suppressions(&project);
    let lines: Vec<u32> = suppressions.iter().map(|s| s.span.start.line).collect();
    assert_eq!(lines, vec![8]);
}

#[test]
fn terraform_comments_suppress_their_attribute_or_block() {
    let main = r#"variable "public" {
  type    = bool
  default = false
}

resource "aws_db_instance" "trailing" {
  publicly_accessible = true # rampart:ignore NET-005 -- read replica for the BI vendor, SEC-311
}

// rampart:ignore NET-005 -- demo database, no data, torn down nightly
resource "aws_db_instance" "whole_block" {
  identifier = "demo"

  publicly_accessible = true
}

resource "aws_db_instance" "from_tfvars" { # rampart:ignore NET-005 -- vendor access, SEC-312
  publicly_accessible = var.public
}

resource "aws_db_instance" "in_string" {
  identifier          = "x # rampart:ignore NET-005 -- inside a string"
  user_data           = <<-EOT
    # rampart:ignore NET-005 -- inside a heredoc
  EOT
  publicly_accessible = true
}
"#;
    let (left, suppressed) = scan(
        vec![
            input(FileKind::Terraform, "db/main.tf", main),
            input(
                FileKind::TerraformVars,
                "db/terraform.tfvars",
                "public = true\n",
            ),
        ],
        &rules(&["NET-005"]),
    );
    let lines: Vec<u32> = left.iter().map(|(_, line, _)| *line).collect();
    assert_eq!(lines, vec![26], "{left:?}");
    assert_eq!(suppressed, 3);
}

#[test]
fn cloudformation_comments_cover_the_resource_below_them() {
    let template = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  # rampart:ignore NET-005 -- vendor replica, SEC-313
  Replica:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      PubliclyAccessible: true
  Reports:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      PubliclyAccessible: true
"#;
    let (left, suppressed) = scan(
        vec![input(FileKind::CloudFormation, "template.yaml", template)],
        &rules(&["NET-005"]),
    );
    let lines: Vec<u32> = left.iter().map(|(_, line, _)| *line).collect();
    assert_eq!(lines, vec![13], "{left:?}");
    assert_eq!(suppressed, 1);
}

#[test]
fn a_suppression_inside_a_block_covers_that_resources_findings_reported_elsewhere() {
    let main = r#"variable "public" {
  type = bool
}

resource "aws_db_instance" "reports" {
  identifier          = "reports"
  publicly_accessible = var.public # rampart:ignore NET-005 -- vendor replica, SEC-314
}

resource "aws_db_instance" "other" {
  publicly_accessible = var.public
}
"#;
    let (left, suppressed) = scan(
        vec![
            input(FileKind::Terraform, "db/main.tf", main),
            input(
                FileKind::TerraformVars,
                "db/terraform.tfvars",
                "public = true\n",
            ),
        ],
        &rules(&["NET-005", "META-002"]),
    );
    // The other instance's finding, at the same tfvars line, stays.
    assert_eq!(
        left.iter()
            .map(|(id, line, _)| (id.as_str(), *line))
            .collect::<Vec<_>>(),
        vec![("NET-005", 1)],
        "{left:?}"
    );
    assert_eq!(suppressed, 1);
}
