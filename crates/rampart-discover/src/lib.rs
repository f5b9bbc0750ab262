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
//! * A scan that reads files a part at a time has the walk leave them unread
//!   ([`LeaveUnread`]) and reads each with its part ([`read_later`]), which
//!   must find the file the walk found.

mod classify;
mod read;
mod terraform_modules;
mod walk;

pub use classify::{FileKind, classify};
pub use read::{ReadLater, read_later, read_stdin};
pub use walk::discover;

use rampart_source::Diagnostic;
pub use rampart_source::Unread;

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
    /// Which files the walk leaves for a later stage to read.
    pub leave_unread: LeaveUnread,
}

/// Which files the walk leaves for a later stage to read again
/// ([`read_later`]), so that a scan that reads them a part at a time never
/// holds all their texts: the walk reads each (to tell what it is), hashes
/// it and lets its text go, and lists it with its length and no text
/// ([`InputFile::unread`]). Never a file named on the command line, a
/// symbolic link, one whose shown path is not the path it was found at (a
/// name that is not UTF-8, or that holds a backslash: the later read opens
/// the shown path, and refuses a link), or one whose text is not its bytes
/// (invalid UTF-8).
///
/// Of the kinds below, the walk first keeps the texts of the files it finds
/// first (which depend on the order its threads find them in; what a scan
/// reports does not) up to `kept` bytes, then leaves the others.
#[derive(Clone, Copy, Debug, Default)]
pub struct LeaveUnread {
    /// Dockerfiles.
    pub dockerfiles: bool,
    /// The Kubernetes files for which this holds of their text.
    pub kubernetes: Option<fn(&str) -> bool>,
    /// Terraform's `.tf` files (not variables files) and CloudFormation
    /// templates, with what this says of their text ([`Unread::facts`]).
    pub infrastructure: Option<fn(&str) -> u8>,
    /// How many bytes of texts of those kinds the walk keeps first.
    pub kept: usize,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        Self {
            exclude: Vec::new(),
            respect_gitignore: true,
            max_file_size: 16 << 20,
            threads: 0,
            leave_unread: LeaveUnread::default(),
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
    /// Empty when the walk left the file to be read later.
    pub text: String,
    /// What the walk knew of the file, when it left it to be read later
    /// ([`LeaveUnread`]).
    pub unread: Option<Unread>,
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
            unread: None,
        }
    }

    /// The length of the text in bytes, or of the file the walk left unread.
    pub fn len(&self) -> usize {
        self.unread
            .map_or(self.text.len(), |unread| unread.len as usize)
    }

    /// Whether [`InputFile::len`] is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
