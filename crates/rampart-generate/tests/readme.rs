//! The README of the generated baseline, for the starter inventory, as users read it.

// A test's job is to panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_config::Config;
use rampart_generate::{Inventory, InventorySource, STARTER_INVENTORY, Target, generate};

fn readme(targets: &[Target]) -> String {
    let inventory = Inventory::parse(STARTER_INVENTORY, "agents.yaml").unwrap();
    let source = InventorySource::of("agents.yaml", STARTER_INVENTORY.as_bytes());
    let files = generate(&inventory, &Config::default(), &source, targets).unwrap();
    files
        .into_iter()
        .find(|f| f.path == "README.md")
        .expect("every run writes a README")
        .contents
}

#[test]
fn the_readme_lists_tiers_agents_and_every_deviation_from_the_seed() {
    let text = readme(&Target::ALL);
    // Every contradiction of the seed the generator resolves is explained.
    for id in [
        "C-01", "C-02", "C-03", "C-04", "C-05", "C-08", "C-11", "C-13", "C-19", "C-20",
    ] {
        assert!(text.contains(id), "the README does not explain {id}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn the_readme_does_not_depend_on_the_selected_parts() {
    // Generating or checking one part must not rewrite the README of the whole baseline.
    assert_eq!(readme(&[Target::Falco]), readme(&Target::ALL));
}
