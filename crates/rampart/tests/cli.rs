//! The real binary, end to end: exit codes, formats, standard input,
//! configuration errors, hostile input, baselines, suppressions.

// A test's job is to panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn rampart() -> Command {
    let mut cmd = Command::cargo_bin("rampart").unwrap();
    // Tests must not depend on the developer's environment.
    cmd.env_remove("NO_COLOR");
    cmd
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/agent-platform")
}

fn write(dir: &Path, relative: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// A pod that satisfies every rule (restricted, pinned, resourced, tiered).
const CLEAN_POD: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: clean
  labels:
    agent-classification: standard
spec:
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: app
      image: registry.example.com/app:1.0.0@sha256:5f1d3c2b9a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817065f4e
      resources:
        requests: {cpu: 100m, memory: 128Mi, ephemeral-storage: 64Mi}
        limits: {cpu: 500m, memory: 256Mi, ephemeral-storage: 128Mi}
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
"#;

const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.0.0\n      securityContext:\n        privileged: true\n";

/// The standard output of `rampart scan --format json ARGS… PATH`, which
/// must exit with `code`.
fn json_scan(args: &[&str], path: impl AsRef<std::ffi::OsStr>, code: i32) -> Vec<u8> {
    json_scan_output(args, path, code).stdout
}

/// As [`json_scan`], with standard error too.
fn json_scan_output(
    args: &[&str],
    path: impl AsRef<std::ffi::OsStr>,
    code: i32,
) -> std::process::Output {
    rampart()
        .args(["scan", "--format", "json"])
        .args(args)
        .arg(path)
        .assert()
        .code(code)
        .get_output()
        .clone()
}

fn json_report(output: &[u8]) -> Value {
    serde_json::from_slice(output)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(output)))
}

/// `rule file:line` of every finding, for compact assertions.
fn finding_lines(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let file = file
                .rsplit_once("agent-platform/")
                .map_or(file, |(_, rest)| rest);
            format!("{} {}:{}", f["rule"].as_str().unwrap(), file, f["line"])
        })
        .collect()
}

#[test]
fn the_example_reports_every_deliberate_violation_and_nothing_else() {
    let output = json_scan(&[], example(), 1);
    let report = json_report(&output);
    assert_eq!(report["version"], 1);
    assert_eq!(report["summary"]["suppressed"], 1);
    assert!(report["diagnostics"].as_array().unwrap().is_empty());
    insta::assert_snapshot!(finding_lines(&report).join("\n"));
}

#[test]
fn a_clean_tree_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", CLEAN_POD);
    rampart()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no findings in 1 file"));
}

#[test]
fn fail_on_sets_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    // Only a medium finding: a writable root filesystem.
    let medium = CLEAN_POD.replace(
        "readOnlyRootFilesystem: true",
        "readOnlyRootFilesystem: false",
    );
    write(dir.path(), "pod.yaml", medium);
    let scan = |threshold: &str| {
        rampart()
            .args(["scan", "--format", "json", "--fail-on", threshold])
            .arg(dir.path())
            .assert()
    };
    scan("high").code(0);
    scan("medium").code(1);
    scan("low").code(1);
    scan("never").code(0);
    let report = json_report(&scan("low").get_output().stdout);
    assert_eq!(finding_lines(&report).len(), 1);
    assert_eq!(report["findings"][0]["severity"], "medium");
}

#[test]
fn standard_input_is_a_manifest_stream() {
    let output = rampart()
        .args(["scan", "-", "--format", "json"])
        .write_stdin(format!("{CLEAN_POD}---\n{PRIVILEGED_POD}"))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let report = json_report(&output);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PSS-001")
        .unwrap();
    assert_eq!(finding["file"], "<stdin>");
    let line = CLEAN_POD.lines().count() + 1 + 9;
    assert_eq!(finding["line"], line);
    assert_eq!(finding["resource"], "Pod/bad");
}

#[test]
fn json_findings_carry_the_contract_fields() {
    let output = rampart()
        .args(["scan", "--format", "json", "--select", "PSS-001"])
        .arg(example().join("k8s"))
        .write_stdin("")
        .assert()
        .get_output()
        .stdout
        .clone();
    let report = json_report(&output);
    assert_eq!(report["tool"]["name"], "rampart");
    for finding in report["findings"].as_array().unwrap() {
        for key in [
            "rule",
            "name",
            "severity",
            "file",
            "line",
            "column",
            "message",
            "resource",
            "tier",
            "requirements",
            "iso27001",
            "fingerprint",
        ] {
            assert!(finding.get(key).is_some(), "{key} missing in {finding}");
        }
    }
    let output = json_scan(&["--select", "SEC-001"], example().join("k8s/critical"), 1);
    let report = json_report(&output);
    let finding = &report["findings"][0];
    assert_eq!(
        finding["severity"], "critical",
        "raised on the critical tier"
    );
    assert_eq!(finding["tier"], "critical");
    assert!(
        finding["iso27001"]["2013"]
            .as_array()
            .unwrap()
            .contains(&Value::from("A.9.4.3"))
    );
    assert!(
        finding["iso27001"]["2022"]
            .as_array()
            .unwrap()
            .contains(&Value::from("A.5.17"))
    );
    // The secret itself never appears.
    assert!(!String::from_utf8_lossy(&output).contains("Pr0d-ledger-2024!"));
}

#[test]
fn sarif_and_junit_go_to_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("rampart.sarif");
    rampart()
        .args(["scan", "--format", "sarif", "--output"])
        .arg(&sarif)
        .arg(example())
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    let value: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(value["version"], "2.1.0");
    let results = value["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(
        results
            .iter()
            .all(|r| r["partialFingerprints"]["rampart/v1"].is_string())
    );

    let junit = dir.path().join("rampart.xml");
    rampart()
        .args(["scan", "--format", "junit", "-o"])
        .arg(&junit)
        .arg(example())
        .assert()
        .code(1);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.starts_with("<?xml"));
    assert!(xml.contains("<failure"));
}

/// A rule about the whole project that a setting turns off is noted when the
/// scan read something it could have looked at, Kubernetes objects included
/// (which the project no longer holds when the note is made).
#[test]
fn rules_a_setting_turns_off_are_noted_for_manifests_alone() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", CLEAN_POD);
    write(
        dir.path(),
        "rampart.toml",
        "[tiers.critical]\nallowed-countries = []\n",
    );
    rampart()
        .args(["scan", "--select", "WAF-004"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("WAF-004"))
        .stderr(predicate::str::contains("checks nothing"));
}

#[test]
fn configuration_errors_name_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", CLEAN_POD);
    write(
        dir.path(),
        "rampart.toml",
        "[tiers.critical]\nrate-limit-per-minute = 100\nflow-log-retention = 365\n",
    );
    rampart()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("rampart.toml:3:"))
        .stderr(predicate::str::contains("flow-log-retention"));

    write(
        dir.path(),
        "rampart.toml",
        "[rules]\nselect = [\"ALL\"]\nignore = [\"PSS-999\"]\n",
    );
    rampart()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("rampart.toml:3:"))
        .stderr(predicate::str::contains("PSS-999"));

    write(
        dir.path(),
        "rampart.toml",
        "[images]\napproved-registries = \"ghcr.io\"\n",
    );
    rampart()
        .arg("config")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("rampart.toml:2:"));

    rampart()
        .args(["scan", "--select", "NOPE"])
        .arg(dir.path().join("pod.yaml"))
        .arg("--config")
        .arg(example().join("rampart.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`NOPE` names no rule"));
}

#[test]
fn missing_paths_and_bad_options_exit_two() {
    rampart()
        .args(["scan", "/no/such/path"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/no/such/path"));
    rampart()
        .args(["scan", "--format", "xml", "."])
        .assert()
        .code(2);
    rampart()
        .args(["scan", "--max-file-size", "lots", "."])
        .assert()
        .code(2);
    rampart()
        .args(["scan", "--max-file-size", "4GiB", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at most 4 GiB less one byte"));
}

#[test]
fn hostile_files_become_diagnostics_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The file that must still be scanned.
    write(root, "ok/privileged.yaml", PRIVILEGED_POD);
    // A tab where YAML forbids one.
    write(
        root,
        "tabs.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: tabbed\n",
    );
    // Invalid UTF-8 in a value: reported at its line, the rest still scanned.
    write(
        root,
        "latin1.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\xe9\nspec:\n  hostPID: true\n"
            .as_slice(),
    );
    // A byte-order mark and CRLF line ends are fine.
    write(
        root,
        "bom-crlf.yaml",
        "\u{feff}apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: windows-edited\r\nspec:\r\n  hostIPC: true\r\n",
    );
    // Billion laughs.
    let mut laughs = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        laughs.push_str(&format!(
            "  {}: &{} [{}]\n",
            pair[1],
            pair[1],
            vec![format!("*{}", pair[0]); 9].join(",")
        ));
    }
    write(root, "laughs.yaml", laughs);
    // Nesting 10,000 deep.
    write(
        root,
        "deep.yaml",
        format!(
            "apiVersion: v1\nkind: Pod\nspec: {}{}\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        ),
    );
    // 200 MB (sparse: the size check must not read it).
    let big = std::fs::File::create(root.join("big.yaml")).unwrap();
    big.set_len(200 << 20).unwrap();
    // A binary file named like a manifest.
    write(
        root,
        "x.yaml",
        b"\x7fELF\x02\x01\x01\x00\x00\x00apiVersion kind".as_slice(),
    );
    // Dockerfiles, which a scan reads only with their part: one binary,
    // one with invalid UTF-8 (reported at its line, the rest scanned).
    write(
        root,
        "bin/Dockerfile",
        b"\x7fELF\x02\x01\x01\x00\x00\x00FROM".as_slice(),
    );
    write(
        root,
        "latin1/Dockerfile",
        b"FROM alpine:3.20\nUSER app\nLABEL maintainer=caf\xe9\n".as_slice(),
    );

    let output = rampart()
        .args(["scan", "--format", "json", "--select", "PSS-001,PSS-007"])
        .arg(root)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let report = json_report(&output);
    let diagnostics: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let file = d["file"].as_str().unwrap();
            let name = Path::new(file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, d["code"].as_str().unwrap().to_owned())
        })
        .collect();
    // Those skipped are not counted.
    assert_eq!(report["summary"]["files_scanned"], 7);
    for expected in [
        ("Dockerfile", "binary-file"),
        ("Dockerfile", "invalid-utf8"),
        ("big.yaml", "file-too-large"),
        ("deep.yaml", "yaml-depth-limit"),
        ("laughs.yaml", "yaml-alias-limit"),
        ("latin1.yaml", "invalid-utf8"),
        ("tabs.yaml", "yaml-syntax"),
        ("x.yaml", "binary-file"),
    ] {
        assert!(
            diagnostics.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} not in {diagnostics:?}"
        );
    }
    let lines: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "yaml-syntax" || d["code"] == "invalid-utf8")
        .map(|d| d["line"].to_string())
        .collect();
    assert_eq!(lines, ["4", "3", "4"], "diagnostics name the line");
    let mut rules: Vec<String> = finding_lines(&report)
        .into_iter()
        .map(|l| {
            let (rule, place) = l.split_once(' ').unwrap();
            let file = Path::new(place)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            format!("{rule} {file}")
        })
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            "PSS-001 privileged.yaml:9",
            "PSS-007 bom-crlf.yaml:6",
            "PSS-007 latin1.yaml:6"
        ]
    );

    // --strict turns unreadable input into a failed run.
    rampart()
        .args([
            "scan", "--strict", "--format", "json", "--select", "PSS-001",
        ])
        .arg(root)
        .assert()
        .code(2);
}

#[test]
fn a_written_baseline_silences_existing_findings_only() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    write(&tree, "a.yaml", PRIVILEGED_POD);
    let baseline = dir.path().join("baseline.json");
    rampart()
        .args(["scan", "--write-baseline"])
        .arg(&baseline)
        .arg(&tree)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("wrote"));
    rampart()
        .args(["scan", "--baseline"])
        .arg(&baseline)
        .arg(&tree)
        .assert()
        .code(0);

    // Move the pod down the file and add a new problem: only the new one is reported.
    write(
        &tree,
        "a.yaml",
        format!(
            "# moved\n\n{PRIVILEGED_POD}---\n{}",
            PRIVILEGED_POD.replace("name: bad", "name: worse")
        ),
    );
    let output = rampart()
        .args(["scan", "--format", "json", "--baseline"])
        .arg(&baseline)
        .arg(&tree)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let report = json_report(&output);
    let resources: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["resource"].as_str().unwrap())
        .collect();
    assert!(resources.iter().all(|r| *r == "Pod/worse"), "{resources:?}");
    assert!(report["summary"]["baselined"].as_u64().unwrap() > 0);

    write(dir.path(), "broken.json", "{");
    rampart()
        .args(["scan", "--baseline"])
        .arg(dir.path().join("broken.json"))
        .arg(&tree)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.json"));
}

#[test]
fn suppressions_without_a_reason_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let text = PRIVILEGED_POD.replace(
        "privileged: true",
        "privileged: true # rampart:ignore PSS-001",
    );
    write(dir.path(), "pod.yaml", text);
    let output = json_scan(&["--select", "PSS-001,META"], dir.path(), 1);
    let rules: Vec<String> = finding_lines(&json_report(&output))
        .into_iter()
        .map(|l| l.split(' ').next().unwrap().to_owned())
        .collect();
    assert_eq!(rules, ["PSS-001", "META-001"]);
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", PRIVILEGED_POD);
    let escape = predicate::str::contains("\u{1b}[");
    rampart()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(escape.clone().not());
    rampart()
        .args(["scan", "--color", "always"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(escape.clone());
    rampart()
        .args(["scan", "--color", "always"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .assert()
        .code(1)
        .stdout(escape.not());
}

#[test]
fn gitignore_and_exclude_are_respected() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", "rendered/\n");
    write(dir.path(), "rendered/pod.yaml", PRIVILEGED_POD);
    write(dir.path(), "vendor/pod.yaml", PRIVILEGED_POD);
    write(dir.path(), "pod.yaml", CLEAN_POD);
    rampart()
        .args(["scan", "--exclude", "vendor/**"])
        .arg(dir.path())
        .assert()
        .code(0);
    rampart()
        .args([
            "scan",
            "--no-ignore",
            "--exclude",
            "vendor/**",
            "--format",
            "json",
        ])
        .arg(dir.path())
        .assert()
        .code(1);
}

#[test]
fn rules_that_cannot_check_anything_say_so() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", CLEAN_POD);
    rampart()
        .args(["scan", "--select", "IMG-003"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("IMG-003"))
        .stderr(predicate::str::contains("approved"));
}

#[test]
fn rules_explain_and_config_document_themselves() {
    let output = rampart()
        .arg("rules")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(output).unwrap();
    assert!(
        table
            .lines()
            .filter(|l| l.contains('-') && l.starts_with(char::is_uppercase))
            .count()
            >= 30
    );
    assert!(table.contains("privileged-container"));

    let output = rampart()
        .args(["rules", "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let rules: Value = serde_json::from_slice(&output).unwrap();
    assert!(rules.as_array().unwrap().len() >= 30);

    rampart()
        .args(["explain", "privileged-container"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("# PSS-001"))
        .stdout(predicate::str::contains("## How to fix"))
        .stdout(predicate::str::contains("ISO/IEC 27001:2022"));
    rampart().args(["explain", "NOPE-1"]).assert().code(2);

    rampart()
        .arg("config")
        .arg(example())
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com",
        ))
        .stdout(predicate::str::contains("rate-limit-per-minute = 100"));
}

#[test]
fn help_teaches_the_options() {
    rampart()
        .args(["scan", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("--fail-on"))
        .stdout(predicate::str::contains("helm template"))
        .stdout(predicate::str::contains("rampart:ignore"));
}

#[test]
fn sarif_uris_are_the_paths_as_given_relative_to_the_working_directory() {
    // GitHub resolves SARIF URIs against the repository root, where CI runs.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy/agents/pod.yaml", PRIVILEGED_POD);
    let output = rampart()
        .current_dir(dir.path())
        .args([
            "scan",
            "deploy/agents",
            "--format",
            "sarif",
            "--select",
            "PSS-001",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let sarif: Value = serde_json::from_slice(&output).unwrap();
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "deploy/agents/pod.yaml"
    );
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 9);
}

#[test]
fn a_scan_that_would_check_nothing_is_not_a_pass() {
    rampart()
        .args(["scan", "-"])
        .write_stdin("\n  \n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("standard input is empty"));

    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", PRIVILEGED_POD);
    rampart()
        .args(["scan", "--select", "PSS-001", "--ignore", "PSS"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no rule is selected"));

    let empty = tempfile::tempdir().unwrap();
    write(empty.path(), "README.md", "# nothing here\n");
    let output = json_scan(&[], empty.path(), 0);
    let report = json_report(&output);
    assert_eq!(report["diagnostics"][0]["code"], "nothing-to-scan");
}

#[test]
fn no_output_prints_a_detected_secret_even_on_other_findings_lines() {
    let dir = tempfile::tempdir().unwrap();
    let token = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
    write(
        dir.path(),
        "pod.yaml",
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: team}}\nspec:\n  containers:\n  - {{name: app, image: nginx, args: [\"--github-token={token}\"]}}\n"
        ),
    );
    let password = "Sup3rS3cretValue!";
    write(
        dir.path(),
        "Dockerfile",
        format!(
            "FROM alpine:3.20\nADD https://deploy:{password}@gitlab.example.com/tool.tgz /tmp/\n"
        ),
    );
    for format in ["pretty", "json", "sarif", "junit"] {
        // Even with the secret rules deselected, the secret is known and hidden.
        for select in ["ALL", "PSS,RES,IMG,DF-002"] {
            let output = rampart()
                .args([
                    "scan", "--color", "never", "--format", format, "--select", select,
                ])
                .arg(dir.path())
                .assert()
                .code(1)
                .get_output()
                .stdout
                .clone();
            let text = String::from_utf8_lossy(&output);
            assert!(
                !text.contains(token),
                "{format}/{select} prints the token:\n{text}"
            );
            assert!(
                !text.contains(password),
                "{format}/{select} prints the password:\n{text}"
            );
        }
    }
}

#[test]
fn a_baseline_does_not_accept_a_worse_value_in_the_same_place() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let pod = |capability: &str, path: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n    - name: app\n      image: r.example.com/app:1\n      securityContext:\n        capabilities:\n          add: [{capability}]\n  volumes:\n    - name: logs\n      hostPath:\n        path: {path}\n"
        )
    };
    write(&tree, "pod.yaml", pod("NET_ADMIN", "/var/log/agent"));
    let baseline = dir.path().join("baseline.json");
    rampart()
        .args(["scan", "--select", "PSS-005,PSS-008", "--write-baseline"])
        .arg(&baseline)
        .arg(&tree)
        .assert()
        .code(0);
    write(&tree, "pod.yaml", pod("SYS_ADMIN", "/"));
    let output = rampart()
        .args([
            "scan",
            "--select",
            "PSS-005,PSS-008",
            "--format",
            "json",
            "--baseline",
        ])
        .arg(&baseline)
        .arg(&tree)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let rules: Vec<String> = finding_lines(&json_report(&output))
        .into_iter()
        .map(|l| l.split(' ').next().unwrap().to_owned())
        .collect();
    assert_eq!(rules, ["PSS-005", "PSS-008"]);
}

#[test]
fn whether_a_suppression_is_used_does_not_depend_on_the_selection() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pod.yaml",
        PRIVILEGED_POD.replace(
            "spec:\n",
            "spec:\n  hostPID: true # rampart:ignore PSS -- node profiler, approved in SEC-77\n",
        ),
    );
    let output = json_scan(&["--select", "PSS-001,META"], dir.path(), 1);
    let report = json_report(&output);
    let rules: Vec<String> = finding_lines(&report)
        .into_iter()
        .map(|l| l.split(' ').next().unwrap().to_owned())
        .collect();
    // PSS-007 was suppressed (not selected, so not counted); nothing is unused.
    assert_eq!(rules, ["PSS-001"]);
    assert_eq!(report["summary"]["suppressed"], 0);
}

#[test]
fn fingerprints_follow_the_path_as_shown_so_roots_do_not_collide() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "staging/pod.yaml", PRIVILEGED_POD);
    write(dir.path(), "prod/pod.yaml", PRIVILEGED_POD);
    let baseline = dir.path().join("baseline.json");
    rampart()
        .current_dir(dir.path())
        .args(["scan", "staging", "--select", "PSS-001", "--write-baseline"])
        .arg(&baseline)
        .assert()
        .code(0);
    let output = rampart()
        .current_dir(dir.path())
        .args([
            "scan",
            "staging",
            "prod",
            "--select",
            "PSS-001",
            "--format",
            "json",
            "--baseline",
        ])
        .arg(&baseline)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let lines = finding_lines(&json_report(&output));
    assert_eq!(lines, ["PSS-001 prod/pod.yaml:9"]);
    // Scanning the parent, or by absolute path, names the files the same way.
    rampart()
        .current_dir(dir.path())
        .args([
            "scan",
            ".",
            "--select",
            "PSS-001",
            "--fail-on",
            "low",
            "--baseline",
        ])
        .arg(&baseline)
        .assert()
        .code(1);
    let absolute = dir.path().join("staging");
    rampart()
        .current_dir(dir.path())
        .args(["scan", "--select", "PSS-001", "--baseline"])
        .arg(&baseline)
        .arg(&absolute)
        .assert()
        .code(0);
}

#[test]
fn terraform_values_are_reported_where_they_were_written() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/main.tf",
        r#"variable "public" {
  type    = bool
  default = false
}

variable "replica_public" {
  type    = bool
  default = true
}

variable "staging_public" {
  type    = bool
  default = false
}

variable "cli_public" {
  type = bool
}

locals {
  exposed = true
}

module "db" {
  source = "../modules/db"
  public = local.exposed
}

resource "aws_db_instance" "direct" {
  publicly_accessible = var.public
}

resource "aws_db_instance" "replica" {
  publicly_accessible = var.replica_public
}

resource "aws_db_instance" "staging" {
  publicly_accessible = var.staging_public
}

resource "aws_db_instance" "cli" {
  publicly_accessible = var.cli_public
}
"#,
    );
    write(dir.path(), "app/terraform.tfvars", "public = true\n");
    let staging = write(
        dir.path(),
        "app/staging.tfvars",
        "# Applied only with --var-file.\nstaging_public = true\n",
    );
    write(
        dir.path(),
        "modules/db/main.tf",
        "variable \"public\" {\n  type = bool\n}\n\nresource \"aws_db_instance\" \"this\" {\n  publicly_accessible = var.public\n}\n",
    );
    let lines = |report: &Value| -> Vec<String> {
        let mut lines: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let file = f["file"].as_str().unwrap();
                let file = Path::new(file)
                    .strip_prefix(dir.path())
                    .map_or(file.to_owned(), |p| p.display().to_string());
                format!(
                    "{} {}:{} {}",
                    f["rule"].as_str().unwrap(),
                    file,
                    f["line"],
                    f["resource"].as_str().unwrap()
                )
            })
            .collect();
        lines.sort();
        lines
    };

    // A tfvars file, a variable's default, a local passed into a module; the
    // variable nobody set is unknown and listed, not guessed.
    let output = json_scan_output(&["--select", "NET-005", "--show-unknown"], dir.path(), 1);
    assert_eq!(
        lines(&json_report(&output.stdout)),
        [
            "NET-005 app/main.tf:21 module.db.aws_db_instance.this",
            "NET-005 app/main.tf:8 aws_db_instance.replica",
            "NET-005 app/terraform.tfvars:1 aws_db_instance.direct",
        ]
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("app/main.tf:42:25: aws_db_instance.cli.publicly_accessible: `var.cli_public` has no value"),
        "{stderr}"
    );

    // --var-file and --var, as `terraform plan` takes them.
    let output = rampart()
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "NET-005",
            "--var",
            "cli_public=true",
            "--var-file",
        ])
        .arg(&staging)
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_eq!(
        lines(&json_report(&output.stdout)),
        [
            "NET-005 app/main.tf:21 module.db.aws_db_instance.this",
            "NET-005 app/main.tf:42 aws_db_instance.cli",
            "NET-005 app/main.tf:8 aws_db_instance.replica",
            "NET-005 app/staging.tfvars:2 aws_db_instance.staging",
            "NET-005 app/terraform.tfvars:1 aws_db_instance.direct",
        ]
    );
}

#[test]
fn a_secret_assembled_in_the_source_is_masked_where_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        "variable \"env\" {\n  default = \"prod\"\n}\n\nresource \"aws_db_instance\" \"db\" {\n  manage_master_user_password = false\n  password = \"Zq7${var.env}-Lk29vXr8TmWp\"\n}\n",
    );
    for format in ["pretty", "json", "sarif", "junit"] {
        let output = rampart()
            .args([
                "scan", "--color", "never", "--select", "SEC", "--format", format,
            ])
            .arg(dir.path())
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("SEC-005"), "{format}: {stdout}");
        assert!(!stdout.contains("Lk29vXr8TmWp"), "{format}: {stdout}");
    }
}

#[test]
fn terraform_variables_files_in_json_are_read() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/main.tf",
        "variable \"public\" {\n  default = false\n}\n\nvariable \"given_public\" {\n  default = false\n}\n\nresource \"aws_db_instance\" \"auto\" {\n  publicly_accessible = var.public\n}\n\nresource \"aws_db_instance\" \"given\" {\n  publicly_accessible = var.given_public\n}\n",
    );
    write(
        dir.path(),
        "app/terraform.tfvars.json",
        "{\n  \"public\": true\n}\n",
    );
    let outside = tempfile::tempdir().unwrap();
    let given = write(
        outside.path(),
        "prod.tfvars.json",
        "{\"given_public\": true}\n",
    );
    let output = rampart()
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "NET-005",
            "--var-file",
        ])
        .arg(&given)
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let report = json_report(&output.stdout);
    let mut found: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let name = file.rsplit('/').next().unwrap();
            format!(
                "{} {name}:{}:{}",
                f["resource"].as_str().unwrap(),
                f["line"],
                f["column"]
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            "aws_db_instance.auto terraform.tfvars.json:2:13",
            "aws_db_instance.given prod.tfvars.json:1:18",
        ]
    );
}

#[test]
fn stop_after_times_the_stages_and_reports_nothing() {
    // The example has findings (a full scan exits 1); stopping early reports none.
    for (stage, last) in [
        ("discover", "discover"),
        ("parse", "parse"),
        ("model", "model"),
        ("evaluate", "evaluate"),
    ] {
        let assert = rampart()
            .args(["scan", "--format", "json", "--stop-after", stage])
            .arg(example())
            .assert()
            .code(0)
            .stdout("");
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.contains(&format!("rampart: timing: {last:<9}")),
            "{stage}: {stderr}"
        );
        assert!(stderr.contains("rampart: timing: total"), "{stderr}");
        assert!(stderr.contains("files, "), "{stderr}");
        assert!(
            stderr.contains(&format!("stopped after {stage} (--stop-after)")),
            "{stderr}"
        );
        assert!(!stderr.contains("timing: report"), "{stderr}");
    }
    // `--timings` on a full scan adds the stages to standard error only.
    let output = json_scan_output(&["--timings"], example(), 1);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for stage in ["discover", "parse", "model", "evaluate", "filter", "report"] {
        assert!(stderr.contains(&format!("timing: {stage:<9}")), "{stderr}");
    }
    assert!(
        !json_report(&output.stdout)["findings"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Hidden from the help: a developer option.
    rampart()
        .args(["scan", "--help"])
        .assert()
        .stdout(predicate::str::contains("stop-after").not());
}

/// Once the manifests' rules have run, their texts go but for the lines the
/// report quotes: findings over several lines still show their first line,
/// and end where they did.
#[test]
fn findings_over_several_lines_of_a_manifest_are_quoted_after_its_text_goes() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20\nRUN apk add curl && \\\n    curl -sSL https://example.com/install.sh | sh\nUSER app\n",
    );
    write(
        dir.path(),
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27.0\n      env:\n        - name: DB_PASSWORD\n          value: |\n            hunter2-super-secret-Passw0rd!\n            second line\n",
    );
    let output = json_scan(&["--select", "DF-004,SEC-001"], dir.path(), 1);
    let report = json_report(&output);
    let regions: Vec<(String, u64, u64, u64, u64)> = (report["findings"].as_array().unwrap())
        .iter()
        .map(|f| {
            let n = |key: &str| f[key].as_u64().unwrap();
            let rule = f["rule"].as_str().unwrap().to_owned();
            (rule, n("line"), n("column"), n("end_line"), n("end_column"))
        })
        .collect();
    assert_eq!(
        regions,
        [
            ("DF-004".to_owned(), 2, 1, 3, 50),
            ("SEC-001".to_owned(), 12, 13, 13, 24)
        ]
    );
    rampart()
        .args(["scan", "--color", "never", "--select", "DF-004,SEC-001"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("RUN apk add curl && \\")
                .and(predicate::str::contains("Dockerfile:2:1"))
                .and(predicate::str::contains("pod.yaml:12:13"))
                // The secret is quoted redacted.
                .and(predicate::str::contains("Passw0rd").not()),
        );
}

/// More Kubernetes files than a scan reads at once: it reads the files that
/// declare namespaces first and the others a part at a time, releasing each
/// part once checked. What an object inherits from another file, the lines
/// the report quotes and the suppressions must not depend on that.
#[test]
fn a_large_tree_is_read_in_parts_as_if_whole() {
    let dir = tempfile::tempdir().unwrap();
    // Sorts last, but is read first.
    write(
        dir.path(),
        "zz/namespace.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: agents\n  labels:\n    agent-classification: critical\n",
    );
    // Past the first 32 MiB of them, the walk leaves the files read in
    // parts unread, and each part reads its own: a comment makes these 16
    // KiB.
    let padding = format!("# {}\n", "-".repeat(78)).repeat(210);
    let pod = |name: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: agents\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.0.0\n      securityContext:\n        privileged: true\n{padding}"
        )
    };
    let files = 2_100;
    for i in 0..files {
        let text = if i == 7 {
            pod("p7").replace(
                "        privileged",
                "        # rampart:ignore PSS-001 -- a test of suppressions\n        privileged",
            )
        } else {
            pod(&format!("p{i}"))
        };
        write(dir.path(), &format!("apps/p{i:04}.yaml"), text);
    }
    let output = json_scan(&["--select", "PSS-001"], dir.path(), 1);
    let report = json_report(&output);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), files - 1);
    assert_eq!(report["summary"]["suppressed"], 1);
    // Every pod inherits its namespace's tier, whichever part it is in.
    assert!(
        findings
            .iter()
            .all(|f| f["tier"] == "critical" && f["severity"] == "critical"),
        "{findings:?}"
    );
    // The pretty report quotes the line of findings in every part.
    rampart()
        .args(["scan", "--color", "never", "--select", "PSS-001"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("apps/p0000.yaml:11")
                .and(predicate::str::contains("apps/p2099.yaml:11"))
                .and(predicate::str::contains("privileged: true")),
        );
}

#[test]
fn a_large_infrastructure_read_in_parts_keeps_suppressions_and_unknowns() {
    // More files of Terraform than a scan reads in one part: the scan reads
    // them a part at a time, and releases each part's resources but those
    // of files that write a suppression comment.
    // Past the first 32 MiB of them, the walk leaves the files unread, and
    // each part reads its own: a comment makes these 16 KiB.
    let dir = tempfile::tempdir().unwrap();
    let padding = format!("# {}\n", "-".repeat(78)).repeat(210);
    for n in 0..2100 {
        write(
            dir.path(),
            &format!("roots/r{n:04}/main.tf"),
            format!("resource \"aws_s3_bucket\" \"logs\" {{\n  bucket = \"logs\"\n}}\n{padding}"),
        );
    }
    // Read in the middle of the first part, whose resources but these are
    // released: the suppression on the declaration covers the finding
    // reported where the value is written.
    write(
        dir.path(),
        "roots/r0500x/main.tf",
        "variable \"public\" {\n  type = bool\n}\n\n# rampart:ignore NET-005 -- a reporting replica, reviewed\nresource \"aws_db_instance\" \"direct\" {\n  publicly_accessible = var.public\n}\n\nresource \"aws_db_instance\" \"other\" {\n  publicly_accessible = true\n}\n",
    );
    write(
        dir.path(),
        "roots/r0500x/terraform.tfvars",
        "public = true\n",
    );
    // Read in the last part.
    write(
        dir.path(),
        "zz/main.tf",
        "variable \"unset\" {\n  type = bool\n}\n\nresource \"aws_db_instance\" \"late\" {\n  publicly_accessible = var.unset\n}\n",
    );
    let output = json_scan_output(&["--select", "NET-005", "--show-unknown"], dir.path(), 1);
    let report = json_report(&output.stdout);
    assert_eq!(report["summary"]["files_scanned"], 2103);
    assert_eq!(report["summary"]["suppressed"], 1, "{report}");
    let findings: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["line"], f["resource"].as_str().unwrap()))
        .collect();
    assert_eq!(findings, ["11 aws_db_instance.other"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "zz/main.tf:6:25: aws_db_instance.late.publicly_accessible: `var.unset` has no value"
        ),
        "{stderr}"
    );
    // The line quoted of a part released before the report.
    rampart()
        .args(["scan", "--color", "never", "--select", "NET-005"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("roots/r0500x/main.tf:11")
                .and(predicate::str::contains("publicly_accessible = true")),
        );
}
