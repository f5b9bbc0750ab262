use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use ignore::overrides::OverrideBuilder;
use ignore::{WalkBuilder, WalkState};
use rampart_source::Diagnostic;

use crate::classify::{self, NameClass};
use crate::read::Leaving;
use crate::read::read_file;
use crate::terraform_modules::add_downloaded_modules;
use crate::{DiscoverError, DiscoverOptions, Discovery};

enum Found {
    Files(Discovery),
    HelmChart(String),
}

/// How many files a walk thread reads before it sends them on.
const FILES_A_MESSAGE: usize = 256;

/// What a walk thread found and has not sent yet: sent every
/// [`FILES_A_MESSAGE`] files, and when the thread's walk ends (on drop). A
/// message a file held every file's record in a message of its own until
/// the walk ended, the receiver's loop running only then: at 100,000 files,
/// the walk's highest point was 40 MiB higher for it.
struct Batch {
    found: Discovery,
    tx: mpsc::Sender<Found>,
}

impl Batch {
    fn send_if_full(&mut self) {
        if self.found.files.len() >= FILES_A_MESSAGE {
            self.send();
        }
    }

    fn send(&mut self) {
        if !(self.found.files.is_empty() && self.found.diagnostics.is_empty()) {
            let _ = self.tx.send(Found::Files(std::mem::take(&mut self.found)));
        }
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        self.send();
    }
}

/// Walks `roots` and reads every file rampart understands.
///
/// A root that is a file is read whatever its name (it was asked for); a root
/// that does not exist is an error.
pub fn discover(roots: &[PathBuf], options: &DiscoverOptions) -> Result<Discovery, DiscoverError> {
    let mut discovery = Discovery::default();
    let mut helm_charts = BTreeSet::new();
    let cwd = std::env::current_dir().ok();
    let leaving = Leaving::new(options.leave_unread);
    for root in roots {
        // Paths are shown (and fingerprinted) relative to the working directory,
        // whether the user typed `k8s` or `$PWD/k8s`.
        let root = &relative_to(root, cwd.as_deref());
        if std::fs::symlink_metadata(root).is_err() {
            return Err(DiscoverError::MissingPath(root.display().to_string()));
        }
        if root.is_file() {
            let name = root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            read_file(
                root,
                display_path(root),
                name,
                true,
                options.max_file_size,
                None,
                &mut discovery,
            );
            continue;
        }
        let (tx, rx) = mpsc::channel();
        walk_directory(root, options, &leaving, &tx)?;
        drop(tx);
        let mut found_anything = false;
        let mut part_of_root = Discovery::default();
        for found in rx {
            found_anything = true;
            match found {
                Found::Files(mut part) => {
                    part_of_root.files.append(&mut part.files);
                    part_of_root.diagnostics.append(&mut part.diagnostics);
                }
                Found::HelmChart(chart) => {
                    helm_charts.insert(chart);
                }
            }
        }
        if let Ok(canonical_root) = root.canonicalize() {
            add_downloaded_modules(&canonical_root, options.max_file_size, &mut part_of_root);
        }
        if discovery.files.is_empty() {
            // The first root's list, not a copy of it.
            discovery.files = part_of_root.files;
        } else {
            discovery.files.append(&mut part_of_root.files);
        }
        discovery.diagnostics.append(&mut part_of_root.diagnostics);
        // A directory that yields nothing (a typo, the wrong checkout) must not
        // pass as a clean result; an error also fails a `--strict` run.
        if !found_anything {
            discovery.diagnostics.push(Diagnostic::error(
                "nothing-to-scan",
                display_path(root),
                "no Kubernetes manifest or Dockerfile was found here, so nothing was checked",
            ));
        }
    }
    for chart in helm_charts {
        discovery.diagnostics.push(Diagnostic::warning(
            "helm-template",
            chart,
            "Helm chart templates are not valid YAML until rendered; they were skipped. Scan the rendered output: `helm template <chart> | rampart scan -`",
        ));
    }
    read_copies_reported(&mut discovery);
    discovery
        .files
        .sort_by(|a, b| a.display_path.cmp(&b.display_path));
    discovery
        .files
        .dedup_by(|a, b| a.display_path == b.display_path);
    discovery
        .diagnostics
        .sort_by(|a, b| (&a.file, a.line, a.code).cmp(&(&b.file, b.line, b.code)));
    discovery.diagnostics.dedup();
    Ok(discovery)
}

fn walk_directory(
    root: &Path,
    options: &DiscoverOptions,
    leaving: &Leaving,
    tx: &mpsc::Sender<Found>,
) -> Result<(), DiscoverError> {
    let canonical_root = root
        .canonicalize()
        .map_err(|_| DiscoverError::MissingPath(root.display().to_string()))?;

    let mut overrides = OverrideBuilder::new(root);
    for glob in &options.exclude {
        overrides
            .add(&format!("!{glob}"))
            .map_err(|e| DiscoverError::InvalidExclude(glob.clone(), e.to_string()))?;
    }
    let overrides = overrides
        .build()
        .map_err(|e| DiscoverError::InvalidExclude(options.exclude.join(", "), e.to_string()))?;

    let respect = options.respect_gitignore;
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .parents(respect)
        .ignore(respect)
        .git_ignore(respect)
        .git_exclude(respect)
        // A developer's global gitignore would make results differ between machines.
        .git_global(false)
        // `.gitignore` applies even outside a git checkout (a CI artefact, a tarball).
        .require_git(false)
        .follow_links(false)
        .overrides(overrides)
        .threads(options.threads)
        .filter_entry(|entry| entry.file_name() != ".git")
        .build_parallel();

    let max_file_size = options.max_file_size;
    walker.run(|| {
        let tx = tx.clone();
        let canonical_root = canonical_root.clone();
        let mut batch = Batch {
            found: Discovery::default(),
            tx: tx.clone(),
        };
        Box::new(move |entry| {
            let part = &mut batch.found;
            match entry {
                Err(error) => part.diagnostics.push(walk_error(&error, root)),
                Ok(entry) if entry.depth() == 0 => {}
                Ok(entry) => {
                    let path = entry.path();
                    let display = display_path(path);
                    let relative = root_relative(path, root);
                    if entry.path_is_symlink() {
                        match path.canonicalize() {
                            Err(_) => part.diagnostics.push(Diagnostic::warning(
                                "broken-symlink",
                                display,
                                "symbolic link to nothing; skipped",
                            )),
                            Ok(target) if !target.starts_with(&canonical_root) => {
                                part.diagnostics.push(Diagnostic::warning(
                                    "symlink-outside-root",
                                    display,
                                    format!(
                                        "symbolic link to {}, outside the scanned root; not followed",
                                        target.display()
                                    ),
                                ));
                            }
                            Ok(target) if target.is_file() => {
                                read_file(path, display, relative, false, max_file_size, None, part);
                            }
                            // Directories inside the root are scanned under their real path.
                            Ok(_) => {}
                        }
                    } else if entry.file_type().is_some_and(|t| t.is_file()) {
                        if let Some(chart) = helm_chart_of(path) {
                            let _ = tx.send(Found::HelmChart(display_path(&chart)));
                        } else {
                            let leaving = Some(leaving);
                            read_file(path, display, relative, false, max_file_size, leaving, part);
                        }
                    }
                }
            }
            batch.send_if_full();
            WalkState::Continue
        })
    });
    Ok(())
}

/// Reads now the files a walk left unread that another copy of (a file
/// named on the command line and found by a walk too) was read and
/// reported a problem of, so that it is not reported again when they are
/// read: a copy it could not read (binary, say) goes, as it would have had
/// the walk read it.
fn read_copies_reported(discovery: &mut Discovery) {
    let reported: BTreeSet<&str> = (discovery.diagnostics.iter())
        .map(|d| d.file.as_str())
        .collect();
    let mut gone = BTreeSet::new();
    for file in &mut discovery.files {
        let Some(unread) = file
            .unread
            .filter(|_| reported.contains(file.display_path.as_str()))
        else {
            continue;
        };
        match crate::read_later(&file.display_path, unread).text {
            Some(text) => {
                file.text = text;
                file.unread = None;
            }
            None => {
                gone.insert(file.display_path.clone());
            }
        }
    }
    if !gone.is_empty() {
        (discovery.files).retain(|f| f.unread.is_none() || !gone.contains(&f.display_path));
    }
}

/// `path` relative to `cwd` when it lies under it (`.` for `cwd` itself).
fn relative_to(path: &Path, cwd: Option<&Path>) -> PathBuf {
    match cwd.and_then(|cwd| path.strip_prefix(cwd).ok()) {
        Some(relative) if path.is_absolute() && relative.as_os_str().is_empty() => {
            PathBuf::from(".")
        }
        Some(relative) if path.is_absolute() => relative.to_path_buf(),
        _ => path.to_path_buf(),
    }
}

/// The chart directory when `path` is a YAML file under a Helm chart's `templates/`.
fn helm_chart_of(path: &Path) -> Option<PathBuf> {
    if classify::by_name(path) != NameClass::Structured {
        return None;
    }
    let chart = path
        .ancestors()
        .skip(1)
        .find(|dir| dir.file_name().is_some_and(|n| n == "templates"))?
        .parent()?;
    chart
        .join("Chart.yaml")
        .is_file()
        .then(|| chart.to_path_buf())
}

fn walk_error(error: &ignore::Error, root: &Path) -> Diagnostic {
    let path = match error {
        ignore::Error::WithPath { path, .. } => display_path(path),
        _ => display_path(root),
    };
    Diagnostic::error("io-error", path, format!("cannot read: {error}"))
}

/// A path as the user would type it: `/` separators, no leading `./`.
pub(crate) fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    match text.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => text,
    }
}

fn root_relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .map_or_else(|_| display_path(path), display_path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FileKind, LeaveUnread};

    fn write(dir: &Path, rel: &str, text: &[u8]) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    const POD: &[u8] = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n";

    #[test]
    fn a_walk_of_more_files_than_a_message_holds_finds_them_all() {
        let dir = tempfile::tempdir().unwrap();
        let count = FILES_A_MESSAGE * 3 + 7;
        for n in 0..count {
            write(dir.path(), &format!("k8s/{}/pod-{n}.yaml", n % 13), POD);
        }
        write(dir.path(), "k8s/big.yaml", &[b'#'; 64]);
        let options = DiscoverOptions {
            max_file_size: 50,
            ..DiscoverOptions::default()
        };
        let out = discover(&[dir.path().to_path_buf()], &options).unwrap();
        assert_eq!(out.files.len(), count);
        assert!(
            out.files
                .is_sorted_by(|a, b| a.display_path < b.display_path)
        );
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
        assert!(out.diagnostics[0].file.ends_with("k8s/big.yaml"));
    }

    #[test]
    fn finds_manifests_and_dockerfiles_and_ignores_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "k8s/pod.yaml", POD);
        write(dir.path(), "k8s/values.yaml", b"replicas: 3\n");
        write(dir.path(), "app/Dockerfile", b"FROM alpine\n");
        write(dir.path(), "README.md", b"# hi\n");
        let out = discover(&[dir.path().to_path_buf()], &DiscoverOptions::default()).unwrap();
        let found: Vec<_> = out
            .files
            .iter()
            .map(|f| (f.root_relative_path.as_str(), f.kind))
            .collect();
        assert_eq!(
            found,
            vec![
                ("app/Dockerfile", FileKind::Dockerfile),
                ("k8s/pod.yaml", FileKind::Kubernetes)
            ]
        );
        assert!(out.diagnostics.is_empty());
    }

    #[test]
    fn gitignore_applies_outside_a_git_checkout_and_excludes_work() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), ".gitignore", b"generated/\n");
        write(dir.path(), "generated/pod.yaml", POD);
        write(dir.path(), "vendor/pod.yaml", POD);
        write(dir.path(), "pod.yaml", POD);
        let options = DiscoverOptions {
            exclude: vec!["vendor/**".into()],
            ..DiscoverOptions::default()
        };
        let out = discover(&[dir.path().to_path_buf()], &options).unwrap();
        let names: Vec<_> = out
            .files
            .iter()
            .map(|f| f.root_relative_path.as_str())
            .collect();
        assert_eq!(names, vec!["pod.yaml"]);

        let options = DiscoverOptions {
            respect_gitignore: false,
            ..DiscoverOptions::default()
        };
        let out = discover(&[dir.path().to_path_buf()], &options).unwrap();
        assert_eq!(out.files.len(), 3);
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_root_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "secret.yaml", POD);
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "in.yaml", POD);
        std::os::unix::fs::symlink(
            outside.path().join("secret.yaml"),
            dir.path().join("link.yaml"),
        )
        .unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("in.yaml"),
            dir.path().join("inner-link.yaml"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("outdir")).unwrap();
        let out = discover(&[dir.path().to_path_buf()], &DiscoverOptions::default()).unwrap();
        let names: Vec<_> = out
            .files
            .iter()
            .map(|f| f.root_relative_path.as_str())
            .collect();
        assert_eq!(names, vec!["in.yaml", "inner-link.yaml"]);
        let codes: Vec<_> = out.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec!["symlink-outside-root", "symlink-outside-root"]);
    }

    #[test]
    fn oversized_and_binary_files_are_diagnosed_and_the_rest_scanned() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "big.yaml", &vec![b'#'; 2048]);
        write(dir.path(), "x.yaml", b"\x00\x01binary");
        write(dir.path(), "ok.yaml", POD);
        let options = DiscoverOptions {
            max_file_size: 1024,
            ..DiscoverOptions::default()
        };
        let out = discover(&[dir.path().to_path_buf()], &options).unwrap();
        assert_eq!(out.files.len(), 1);
        let codes: Vec<_> = out.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec!["file-too-large", "binary-file"]);
    }

    #[test]
    fn helm_templates_are_reported_once_per_chart() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "chart/Chart.yaml", b"apiVersion: v2\nname: c\n");
        write(
            dir.path(),
            "chart/templates/a.yaml",
            b"apiVersion: v1\nkind: {{ .Values.kind }}\n",
        );
        write(
            dir.path(),
            "chart/templates/b.yaml",
            b"apiVersion: v1\nkind: Pod\n",
        );
        let out = discover(&[dir.path().to_path_buf()], &DiscoverOptions::default()).unwrap();
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].code, "helm-template");
        // Chart.yaml itself has apiVersion but no kind.
        assert!(out.files.is_empty());
    }

    #[test]
    fn downloaded_terraform_modules_are_read_even_when_ignored() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), ".gitignore", b".terraform/\n");
        write(
            dir.path(),
            "infra/main.tf",
            b"module \"vpc\" { source = \"terraform-aws-modules/vpc/aws\" }\n",
        );
        write(
            dir.path(),
            "infra/.terraform/modules/modules.json",
            br#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"vpc","Source":"x","Dir":".terraform/modules/vpc"}]}"#,
        );
        write(
            dir.path(),
            "infra/.terraform/modules/vpc/main.tf",
            b"resource \"aws_vpc\" \"this\" {}\n",
        );
        write(
            dir.path(),
            "infra/.terraform/providers/x.tf",
            b"# not a module\n",
        );
        let out = discover(&[dir.path().to_path_buf()], &DiscoverOptions::default()).unwrap();
        let mut found: Vec<(String, FileKind)> = out
            .files
            .iter()
            .map(|f| {
                let name = f
                    .display_path
                    .split("infra/")
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                (name, f.kind)
            })
            .collect();
        found.sort();
        assert_eq!(
            found,
            vec![
                (
                    ".terraform/modules/modules.json".to_owned(),
                    FileKind::TerraformModules
                ),
                (
                    ".terraform/modules/vpc/main.tf".to_owned(),
                    FileKind::Terraform
                ),
                ("main.tf".to_owned(), FileKind::Terraform),
            ]
        );
    }

    #[test]
    fn missing_roots_are_errors() {
        let err = discover(
            &[PathBuf::from("/no/such/path")],
            &DiscoverOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(err, DiscoverError::MissingPath(_)));
    }

    #[test]
    fn explicit_files_are_read_whatever_their_name() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "manifest.txt", POD);
        write(dir.path(), "notes.txt", b"hello\n");
        let out = discover(
            &[
                dir.path().join("manifest.txt"),
                dir.path().join("notes.txt"),
            ],
            &DiscoverOptions::default(),
        )
        .unwrap();
        assert_eq!(out.files.len(), 1);
        assert_eq!(out.diagnostics[0].code, "unrecognised-file");
    }

    const NAMESPACE: &[u8] = b"apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n";

    /// What the walk leaves unread once `kept` bytes of such files were
    /// found: Dockerfiles unread, Kubernetes files that `kubernetes` holds
    /// for; never a link, a file named on the command line, or one whose
    /// shown path is not its path. Each reads back as it was.
    #[cfg(unix)]
    #[test]
    fn the_files_left_unread_are_listed_without_their_text_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        for n in 0..6 {
            write(dir.path(), &format!("k8s/pod-{n}.yaml"), POD);
        }
        write(dir.path(), "k8s/ns.yaml", NAMESPACE);
        write(dir.path(), "k8s/back\\slash.yaml", POD);
        write(dir.path(), "app/Dockerfile", b"FROM alpine:3.20\n");
        write(dir.path(), "main.tf", b"locals {}\n");
        write(dir.path(), "prod.tfvars", b"replicas = 3\n");
        std::os::unix::fs::symlink(
            dir.path().join("k8s/pod-0.yaml"),
            dir.path().join("link.yaml"),
        )
        .unwrap();
        let leave = LeaveUnread {
            dockerfiles: true,
            kubernetes: Some(|text| !text.contains("Namespace")),
            infrastructure: Some(|text| u8::from(text.contains("locals"))),
            kept: 0,
        };
        let options = |kept: usize| DiscoverOptions {
            leave_unread: LeaveUnread { kept, ..leave },
            ..DiscoverOptions::default()
        };
        let unread = |out: &Discovery| -> Vec<String> {
            (out.files.iter())
                .filter(|f| f.unread.is_some())
                .map(|f| f.root_relative_path.clone())
                .collect()
        };
        let out = discover(&[dir.path().to_path_buf()], &options(0)).unwrap();
        assert_eq!(
            unread(&out),
            [
                "app/Dockerfile",
                "k8s/pod-0.yaml",
                "k8s/pod-1.yaml",
                "k8s/pod-2.yaml",
                "k8s/pod-3.yaml",
                "k8s/pod-4.yaml",
                "k8s/pod-5.yaml",
                "main.tf"
            ],
            "not the variables file"
        );
        let facts = |out: &Discovery, path: &str| {
            (out.files.iter())
                .find(|f| f.root_relative_path == path)
                .and_then(|f| f.unread)
                .map(|unread| unread.facts)
        };
        assert_eq!(facts(&out, "main.tf"), Some(1));
        // The files are counted until 3 pods' worth of bytes are found,
        // and the first 3 to 5 of the 10 counted are kept (the Dockerfile
        // and `main.tf` are shorter; the namespace and the one named with a
        // backslash are counted, but never left): which depends on the
        // order the walk's threads find them in.
        let some = discover(&[dir.path().to_path_buf()], &options(3 * POD.len())).unwrap();
        let left = unread(&some).len();
        assert!((3..=7).contains(&left), "{:?}", unread(&some));
        for file in &out.files {
            match file.unread {
                Some(unread) => {
                    assert!(file.text.is_empty());
                    let read = crate::read_later(&file.display_path, unread);
                    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
                    let text = read.text.unwrap();
                    assert_eq!(text.as_bytes(), std::fs::read(&file.display_path).unwrap());
                    assert_eq!(file.len(), text.len());
                }
                None => assert!(!file.text.is_empty()),
            }
        }
        // Named on the command line: read.
        let explicit = discover(&[dir.path().join("app/Dockerfile")], &options(0)).unwrap();
        assert!(explicit.files[0].unread.is_none());
        // Named on the command line and found by the walk: what reading it
        // finds is reported once, and a copy it cannot read goes.
        write(dir.path(), "bin/Dockerfile", b"\x00FROM");
        write(
            dir.path(),
            "latin/Dockerfile",
            b"FROM alpine\nLABEL a=caf\xe9\n",
        );
        let roots = [
            dir.path().to_path_buf(),
            dir.path().join("bin/Dockerfile"),
            dir.path().join("latin/Dockerfile"),
        ];
        let both = discover(&roots, &options(0)).unwrap();
        let codes: Vec<(&str, &str)> = (both.diagnostics.iter())
            .map(|d| {
                (
                    d.file.rsplit_once("/Dockerfile").map_or("", |(dir, _)| dir),
                    d.code,
                )
            })
            .map(|(dir, code)| (dir.rsplit('/').next().unwrap_or(dir), code))
            .collect();
        assert_eq!(codes, [("bin", "binary-file"), ("latin", "invalid-utf8")]);
        let dockerfiles: Vec<(&str, bool)> = (both.files.iter())
            .filter(|f| f.kind == FileKind::Dockerfile)
            .map(|f| (f.root_relative_path.as_str(), f.unread.is_some()))
            .collect();
        assert_eq!(
            dockerfiles,
            [("app/Dockerfile", true), ("latin/Dockerfile", false)]
        );
    }
}
