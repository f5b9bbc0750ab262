//! Building projects from inline files, for the model's unit tests.

use rampart_config::Config;
use rampart_discover::{FileKind, InputFile};

use crate::project::Project;

/// `(path, kind, text)` files as discovery reads them.
pub(crate) fn inputs(files: &[(&str, FileKind, &str)]) -> Vec<InputFile> {
    files
        .iter()
        .map(|(path, kind, text)| InputFile::new(*kind, path, text))
        .collect()
}

/// A project of `(path, kind, text)` files, with the default configuration.
pub(crate) fn project(files: &[(&str, FileKind, &str)]) -> Project {
    Project::build(inputs(files), &Config::default())
}

/// The index of the resource at `address`.
pub(crate) fn index(project: &Project, address: &str) -> usize {
    project
        .resources
        .iter()
        .position(|r| r.address == address)
        .unwrap_or_else(|| panic!("no {address}"))
}
