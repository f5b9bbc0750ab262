//! Modules `terraform init` downloaded: `.terraform/modules/modules.json` and
//! the `.tf` files of the modules it lists. `.gitignore` usually hides
//! `.terraform/`, but a configuration that calls a registry module cannot be
//! evaluated without them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rampart_source::Diagnostic;

use crate::classify::FileKind;
use crate::read::{read_bounded, read_file};
use crate::walk::display_path;
use crate::{Discovery, InputFile};

/// Most modules read from one manifest.
const MAX_MODULES: usize = 500;

/// Adds the manifests next to the Terraform files found under `root`, and
/// the files of the modules they list (never outside `canonical_root`).
pub(crate) fn add_downloaded_modules(
    canonical_root: &Path,
    max_file_size: u64,
    discovery: &mut Discovery,
) {
    let module_dirs: BTreeSet<PathBuf> = discovery
        .files
        .iter()
        .filter(|f| f.kind == FileKind::Terraform && !f.display_path.contains(".terraform/"))
        .filter_map(|f| Path::new(&f.display_path).parent().map(Path::to_path_buf))
        .collect();
    for dir in module_dirs {
        let manifest = dir.join(".terraform/modules/modules.json");
        if !is_regular_file_inside(&manifest, canonical_root) {
            continue;
        }
        let display = display_path(&manifest);
        let text = match std::fs::File::open(&manifest).and_then(|f| read_bounded(f, max_file_size))
        {
            Ok(Some(bytes)) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => continue,
            },
            _ => {
                discovery.diagnostics.push(Diagnostic::warning(
                    "io-error",
                    display,
                    "cannot read the module manifest; downloaded modules were not scanned",
                ));
                continue;
            }
        };
        let module_dirs = manifest_dirs(&text);
        discovery.files.push(InputFile {
            kind: FileKind::TerraformModules,
            display_path: display.clone(),
            root_relative_path: display,
            text,
            unread: None,
        });
        for relative in module_dirs.into_iter().take(MAX_MODULES) {
            let module_dir = dir.join(&relative);
            let Ok(entries) = std::fs::read_dir(&module_dir) else {
                continue;
            };
            let mut files: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "tf"))
                .collect();
            files.sort();
            for path in files {
                if !is_regular_file_inside(&path, canonical_root) {
                    continue;
                }
                let display = display_path(&path);
                read_file(
                    &path,
                    display.clone(),
                    display,
                    false,
                    max_file_size,
                    None,
                    discovery,
                );
            }
        }
    }
}

/// Whether `path` is a regular file (not a link) whose real path is inside the root.
fn is_regular_file_inside(path: &Path, canonical_root: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    meta.is_file()
        && path
            .canonicalize()
            .is_ok_and(|real| real.starts_with(canonical_root))
}

/// The `Dir` of every module of a `modules.json` but the root (`.`).
fn manifest_dirs(text: &str) -> Vec<String> {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    json.get("Modules")
        .and_then(serde_json::Value::as_array)
        .map(|modules| {
            modules
                .iter()
                .filter_map(|m| m.get("Dir").and_then(serde_json::Value::as_str))
                .filter(|dir| {
                    !dir.is_empty()
                        && *dir != "."
                        && !dir.starts_with('/')
                        && !dir.split('/').any(|p| p == "..")
                })
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_dirs_stay_inside() {
        let text = r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"vpc","Source":"registry.terraform.io/terraform-aws-modules/vpc/aws","Dir":".terraform/modules/vpc"},{"Key":"evil","Dir":"../../etc"},{"Key":"abs","Dir":"/etc"}]}"#;
        assert_eq!(manifest_dirs(text), [".terraform/modules/vpc"]);
        assert!(manifest_dirs("not json").is_empty());
    }
}
