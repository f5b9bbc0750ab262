//! Parity between `rampart generate` and `rampart scan`, proven by mutation: each
//! security-relevant setting of the generated baseline is weakened on its own, and
//! the scan must then report the rule that guards it. A mutation no rule catches is a
//! missing rule.
//!
//! The unmutated baseline scanning clean is `the_generated_baseline_scans_clean` in
//! `generate.rs`; together they show every finding below is caused by its mutation.

// A test's job is to panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// One weakening of the generated baseline.
struct Mutation {
    /// The file, relative to the output directory.
    file: &'static str,
    /// Text that must appear before `find`, to pick the occurrence in the right block.
    after: Option<&'static str>,
    /// The text to weaken (the first occurrence after `after`; unique in the file when
    /// there is no anchor).
    find: &'static str,
    replace: &'static str,
    /// The rule that must then report.
    expect: &'static str,
}

const fn mutate(
    file: &'static str,
    after: Option<&'static str>,
    find: &'static str,
    replace: &'static str,
    expect: &'static str,
) -> Mutation {
    Mutation {
        file,
        after,
        find,
        replace,
        expect,
    }
}

const MUTATIONS: &[Mutation] = &[
    // Filled in from the generated output; see the module documentation.
];

fn rampart() -> Command {
    let mut cmd = Command::cargo_bin("rampart").unwrap();
    cmd.env_remove("NO_COLOR");
    cmd
}

/// The rule ids the scan of `dir` reports.
fn reported_rules(dir: &Path) -> BTreeSet<String> {
    let output = rampart()
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .arg(dir)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str().map(str::to_owned))
        .collect()
}

/// `text` with the mutation applied, or why it cannot be.
fn apply(text: &str, mutation: &Mutation) -> Result<String, String> {
    let start = match mutation.after {
        Some(anchor) => {
            text.find(anchor)
                .ok_or_else(|| format!("anchor `{anchor}` not found"))?
                + anchor.len()
        }
        None => {
            if text.matches(mutation.find).count() > 1 {
                return Err(format!("`{}` is ambiguous; add an anchor", mutation.find));
            }
            0
        }
    };
    let offset = text[start..]
        .find(mutation.find)
        .ok_or_else(|| format!("`{}` not found", mutation.find))?
        + start;
    Ok(format!(
        "{}{}{}",
        &text[..offset],
        mutation.replace,
        &text[offset + mutation.find.len()..]
    ))
}

#[test]
fn weakening_any_security_setting_of_the_baseline_is_reported() {
    assert!(
        MUTATIONS.len() >= 40,
        "the issue asks for at least 40 mutations; there are {}",
        MUTATIONS.len()
    );
    let dir = tempfile::tempdir().unwrap();
    rampart()
        .current_dir(dir.path())
        .arg("init")
        .assert()
        .success();
    rampart()
        .current_dir(dir.path())
        .args(["generate", "--out", "baseline"])
        .assert()
        .success();
    let baseline = dir.path().join("baseline");

    let mut failures = Vec::new();
    for mutation in MUTATIONS {
        let path = baseline.join(mutation.file);
        let original =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", mutation.file));
        let mutated = match apply(&original, mutation) {
            Ok(mutated) => mutated,
            Err(why) => {
                failures.push(format!("{}: {why}", mutation.file));
                continue;
            }
        };
        std::fs::write(&path, mutated).unwrap();
        let rules = reported_rules(&baseline);
        std::fs::write(&path, &original).unwrap();
        if !rules.contains(mutation.expect) {
            failures.push(format!(
                "{}: `{}` → `{}` was not reported by {} (reported: {rules:?})",
                mutation.file, mutation.find, mutation.replace, mutation.expect
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} mutations were not caught:\n{}",
        failures.len(),
        MUTATIONS.len(),
        failures.join("\n")
    );
}

#[test]
fn a_mutation_applies_to_the_occurrence_after_its_anchor() {
    let text = "a { x = 1 }\nb { x = 1 }\n";
    let in_b = mutate("f", Some("b {"), "x = 1", "x = 2", "R");
    assert_eq!(apply(text, &in_b).unwrap(), "a { x = 1 }\nb { x = 2 }\n");
    let ambiguous = mutate("f", None, "x = 1", "x = 2", "R");
    assert!(apply(text, &ambiguous).unwrap_err().contains("ambiguous"));
    let missing = mutate("f", None, "y = 1", "y = 2", "R");
    assert!(apply(text, &missing).unwrap_err().contains("not found"));
}
