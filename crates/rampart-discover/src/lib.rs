//! The first stage of a scan: find the files to read, read them (bounded), and
//! say what each one is.
//!
//! * The walk is parallel (ripgrep's `ignore` walker) and honours `.gitignore`,
//!   `.ignore` and git's exclude file even outside a git checkout, plus
//!   `--exclude` globs.
//! * Links are never followed out of the scanned root: a symlinked file inside the
//!   root is read, one pointing outside it is reported and skipped, symlinked
//!   directories are not descended into (their real path is scanned if it is
//!   inside the root).
//! * A file is recognised by its name (`Dockerfile`, `*.yaml`, …) and then by its
//!   content (a Kubernetes document has `apiVersion` and `kind`).
//! * Hostile files never stop the scan: oversized, binary and non-UTF-8 files
//!   become diagnostics.

mod classify;
mod read;
mod terraform_modules;
mod walk;

pub use classify::{FileKind, classify};
pub use read::read_stdin;
pub use walk::discover;

use rampart_source::Diagnostic;

/// What the walk should read.
#[derive(Clone, Debug)]
pub struct DiscoverOptions {
    /// Globs (`.gitignore` syntax) of paths to skip.
    pub exclude: Vec<String>,
    pub respect_gitignore: bool,
    /// Files larger than this many bytes are reported and skipped.
    pub max_file_size: u64,
    /// Walker threads; 0 picks one per core.
    pub threads: usize,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        Self {
            exclude: Vec::new(),
            respect_gitignore: true,
            max_file_size: 16 << 20,
            threads: 0,
        }
    }
}

/// A file to parse.
#[derive(Debug)]
pub struct InputFile {
    pub kind: FileKind,
    /// As shown to users.
    pub display_path: String,
    /// Relative to the scan root the file was found under (reports give it
    /// beside the shown path).
    pub root_relative_path: String,
    pub text: String,
}

impl InputFile {
    /// A file as a scan of its directory's parent would read it, shown and
    /// fingerprinted by `path` (for tests, benchmarks and callers that have
    /// the text in hand).
    pub fn new(kind: FileKind, path: &str, text: &str) -> Self {
        Self {
            kind,
            display_path: path.to_owned(),
            root_relative_path: path.to_owned(),
            text: text.to_owned(),
        }
    }
}

/// Everything the walk found, in a stable order (sorted by path).
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<InputFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// A problem that stops the run before anything is scanned.
#[derive(Debug)]
pub enum DiscoverError {
    /// A path given on the command line does not exist.
    MissingPath(String),
    /// An `--exclude` glob is invalid.
    InvalidExclude(String, String),
}

impl std::fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MissingPath(path) => write!(f, "{path}: no such file or directory"),
            Self::InvalidExclude(glob, why) => write!(f, "invalid --exclude glob `{glob}`: {why}"),
        }
    }
}

impl std::error::Error for DiscoverError {}
