use std::hash::BuildHasher;
use std::io::Read;
use std::path::Path;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use rampart_source::{Diagnostic, Unread, holds_suppression_marker};

use crate::classify::{self, FileKind, NameClass};
use crate::{Discovery, InputFile, LeaveUnread};

/// Bytes looked at to tell a binary file from a text file.
const BINARY_SNIFF_LEN: usize = 8 << 10;

/// Reads standard input as a Kubernetes manifest stream (`helm template … | rampart scan -`).
pub fn read_stdin(reader: impl Read, max_file_size: u64) -> Discovery {
    let mut discovery = Discovery::default();
    let display = "<stdin>";
    match read_bounded(reader, max_file_size) {
        Err(e) => discovery.diagnostics.push(Diagnostic::error(
            "io-error",
            display,
            format!("cannot read standard input: {e}"),
        )),
        Ok(None) => discovery
            .diagnostics
            .push(too_large(display, max_file_size)),
        Ok(Some(bytes)) => {
            if let Some(text) = decode(bytes, display, &mut discovery.diagnostics) {
                discovery.files.push(InputFile {
                    kind: FileKind::Kubernetes,
                    display_path: display.to_owned(),
                    root_relative_path: display.to_owned(),
                    text,
                    unread: None,
                });
            }
        }
    }
    discovery
}

/// Reads up to `max` bytes; `None` when there is more.
pub(crate) fn read_bounded(reader: impl Read, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    read_bounded_sized(reader, max, 0)
}

/// As [`read_bounded`], into a buffer sized for `expected` bytes (a file's
/// length from its metadata), so it is read without growing and copying.
fn read_bounded_sized(
    reader: impl Read,
    max: u64,
    expected: u64,
) -> std::io::Result<Option<Vec<u8>>> {
    // One byte more than expected lets the read see the end of the file
    // without a second allocation.
    let capacity = usize::try_from(expected.min(max).saturating_add(1)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    reader.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

fn too_large(display: &str, max: u64) -> Diagnostic {
    Diagnostic::error(
        "file-too-large",
        display,
        format!(
            "larger than the {} limit; skipped (raise it with --max-file-size or [scan] max-file-size)",
            human_size(max)
        ),
    )
}

/// `16 MiB`, `512 KiB`, `1000 bytes`.
fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b.is_multiple_of(1 << 30) => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b.is_multiple_of(1 << 20) => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b.is_multiple_of(1 << 10) => format!("{} KiB", b >> 10),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1 << 20)),
        b => format!("{b} bytes"),
    }
}

/// Turns bytes into text, or explains why not.
///
/// Binary content (a NUL byte) is skipped. Invalid UTF-8 is reported at its line
/// and replaced, so the rest of the file is still checked.
fn decode(bytes: Vec<u8>, display: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<String> {
    let sniff = &bytes[..bytes.len().min(BINARY_SNIFF_LEN)];
    if sniff.contains(&0) {
        diagnostics.push(Diagnostic::error(
            "binary-file",
            display,
            "binary content (or UTF-16) in a file named like a manifest; skipped",
        ));
        return None;
    }
    match String::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            let line = bytes[..valid].iter().filter(|b| **b == b'\n').count() + 1;
            diagnostics.push(
                Diagnostic::warning(
                    "invalid-utf8",
                    display,
                    "invalid UTF-8; the invalid bytes were replaced and the rest of the file was scanned",
                )
                .at_line(u32::try_from(line).unwrap_or(u32::MAX)),
            );
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
    }
}

/// The files a walk leaves unread ([`LeaveUnread`]), and how many bytes of
/// such files its threads have found.
#[derive(Debug, Default)]
pub(crate) struct Leaving {
    leave: LeaveUnread,
    found: AtomicUsize,
}

impl Leaving {
    pub(crate) fn new(leave: LeaveUnread) -> Self {
        Self {
            leave,
            found: AtomicUsize::new(0),
        }
    }

    /// Counts `len` bytes more of the files it may leave; whether the walk
    /// had kept its share of texts before them.
    fn past_kept(&self, len: usize) -> bool {
        self.found.fetch_add(len, Ordering::Relaxed) >= self.leave.kept
    }

    /// Whether a file of `kind` and `text` is left unread, and with what
    /// facts of its text.
    fn leaves(&self, kind: FileKind, text: &str) -> Option<u8> {
        match kind {
            FileKind::Dockerfile => {
                (self.leave.dockerfiles && self.past_kept(text.len())).then_some(0)
            }
            FileKind::Kubernetes => {
                let leaves = self.leave.kubernetes?;
                (self.past_kept(text.len()) && leaves(text)).then_some(0)
            }
            // Not variables files: one in a directory of no module set is
            // parsed (for its diagnostics) where no part reads it, and they
            // are few and small.
            FileKind::Terraform | FileKind::CloudFormation => {
                let facts = self.leave.infrastructure?;
                self.past_kept(text.len()).then(|| facts(text))
            }
            _ => None,
        }
    }
}

/// Reads and classifies one file. `explicit` files (named on the command line)
/// are classified by content when their name says nothing. The files `leaving`
/// names are listed without their text, if their shown path `display` is
/// the path they are read at (see [`LeaveUnread`]).
pub(crate) fn read_file(
    path: &Path,
    display: String,
    root_relative: String,
    explicit: bool,
    max_file_size: u64,
    leaving: Option<&Leaving>,
    out: &mut Discovery,
) {
    let name_class = classify::by_name(path);
    if name_class == NameClass::Other && !explicit {
        return;
    }
    // The shown path is the path with `/` separators and no leading `./`.
    let reopens = Path::new(&display) == path.strip_prefix(".").unwrap_or(path);
    // Too large by its metadata, or once read (a file that grew): either way
    // `None`, and one diagnostic for every way reading can fail.
    let read = std::fs::metadata(path).and_then(|meta| {
        if meta.len() > max_file_size {
            return Ok(None);
        }
        std::fs::File::open(path).and_then(|f| read_bounded_sized(f, max_file_size, meta.len()))
    });
    let bytes = match read {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            out.diagnostics.push(too_large(&display, max_file_size));
            return;
        }
        Err(e) => {
            out.diagnostics.push(Diagnostic::error(
                "io-error",
                display,
                format!("cannot read: {e}"),
            ));
            return;
        }
    };
    let len = u32::try_from(bytes.len()).ok().filter(|_| reopens);
    let reported = out.diagnostics.len();
    let Some(text) = decode(bytes, &display, &mut out.diagnostics) else {
        return;
    };
    // Not a text with invalid UTF-8, which is not its bytes.
    let len = len.filter(|_| out.diagnostics.len() == reported);
    let kind = classify::of_class(name_class, path, &text);
    let left = (leaving.zip(kind))
        .and_then(|(leaving, kind)| leaving.leaves(kind, &text))
        .zip(len);
    match kind {
        Some(kind) if let Some((facts, len)) = left => out.files.push(InputFile {
            kind,
            display_path: display,
            root_relative_path: root_relative,
            text: String::new(),
            unread: Some(Unread {
                len,
                writes_marker: holds_suppression_marker(&text),
                digest: digest(text.as_bytes()),
                facts,
            }),
        }),
        Some(kind) => out.files.push(InputFile {
            kind,
            display_path: display,
            root_relative_path: root_relative,
            text,
            unread: None,
        }),
        None if explicit => out.diagnostics.push(Diagnostic::warning(
            "unrecognised-file",
            display,
            "not a file rampart reads (Kubernetes YAML/JSON, Terraform, a Terraform plan, CloudFormation, a Dockerfile, Falco rules or Falco's falco.yaml); skipped",
        )),
        None => {}
    }
}

/// A file the walk left unread, read ([`read_later`]): its text, or none
/// when it is skipped, and the problem met.
#[derive(Debug)]
pub struct ReadLater {
    pub text: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads a file the walk left unread ([`LeaveUnread`]) at its shown path
/// `display`. It must be the file the walk read, or it is skipped with a
/// diagnostic (`file-changed`): not a link (the walk leaves none unread; one
/// there now was put there since, and may lead out of the root), and the
/// bytes the walk read, by their length and a hash ([`Unread::digest`]);
/// of a file that grew since, only those are read. What the walk worked
/// out of them (the file's kind, whether it is left unread, whether it
/// writes the suppression marker, its facts) then still holds, and a scan
/// reports on one version of each file. A directory in a path replaced by
/// a link since can only lead the read to the same bytes. What cannot be
/// read (gone, or a directory now) is an `io-error`; what the walk
/// reported of the text (invalid UTF-8) is not reported again (the walk
/// leaves no such text).
pub fn read_later(display: &str, unread: Unread) -> ReadLater {
    let skipped = |diagnostic: Diagnostic| ReadLater {
        text: None,
        diagnostics: vec![diagnostic],
    };
    let changed = |why: &str| {
        Diagnostic::error(
            "file-changed",
            display,
            format!(
                "{why} during the scan, so it was not read again: what is reported of it may be incomplete; scan it again"
            ),
        )
    };
    // The bytes the walk hashed, without one more call to see the end of
    // the file (one of four per file).
    let read = open_unless_link(Path::new(display)).and_then(|file| {
        let mut bytes = vec![0; unread.len as usize];
        (&file).read_exact(&mut bytes).map(|()| bytes)
    });
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return skipped(changed("its length changed"));
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            return skipped(changed("it was replaced by a link"));
        }
        Err(e) => {
            return skipped(Diagnostic::error(
                "io-error",
                display,
                format!("cannot read: {e}"),
            ));
        }
    };
    if digest(&bytes) != unread.digest {
        return skipped(changed("its content changed"));
    }
    let text = decode(bytes, display, &mut Vec::new());
    ReadLater {
        text,
        diagnostics: Vec::new(),
    }
}

/// A hash of a file's bytes, seeded at random for the process: what a file
/// the walk left unread must hash to when it is read.
fn digest(bytes: &[u8]) -> u64 {
    static SEED: LazyLock<u64> = LazyLock::new(|| std::hash::RandomState::new().hash_one(0_u64));
    foldhash::fast::FixedState::with_seed(*SEED).hash_one(bytes)
}

/// Opens `path` for reading unless it is a symbolic link (`InvalidData`
/// then), without waiting on a named pipe or a device. Not asked whether
/// it is a regular file (a call more for every file): what is read of
/// anything else is not the bytes the walk found, or fails.
fn open_unless_link(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::File::options();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(not(unix))]
    if std::fs::symlink_metadata(path)?.is_symlink() {
        return Err(std::io::Error::from(std::io::ErrorKind::InvalidData));
    }
    let opened = options.open(path);
    // What opening a link with `O_NOFOLLOW` fails with (`EMLINK` on the
    // BSDs; opening cannot otherwise fail with it).
    #[cfg(unix)]
    let opened = opened.map_err(|e| match e.raw_os_error() {
        Some(libc::ELOOP | libc::EMLINK) => std::io::Error::from(std::io::ErrorKind::InvalidData),
        _ => e,
    });
    opened
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(16 << 20), "16 MiB");
        assert_eq!(human_size(10), "10 bytes");
        assert_eq!(human_size(1536 << 10), "1536 KiB");
        assert_eq!(human_size(1_500_000), "1.4 MiB");
    }

    #[test]
    fn stdin_is_bounded() {
        let out = read_stdin(&b"apiVersion: v1\nkind: Pod\n"[..], 10);
        assert_eq!(out.diagnostics[0].code, "file-too-large");
        let out = read_stdin(&b"apiVersion: v1\nkind: Pod\n"[..], 1000);
        assert_eq!(out.files.len(), 1);
    }

    #[test]
    fn invalid_utf8_is_reported_at_its_line_and_scanned() {
        let mut diagnostics = Vec::new();
        let text = decode(b"a: 1\nb: \xff\n".to_vec(), "x.yaml", &mut diagnostics).unwrap();
        assert!(text.contains('\u{fffd}'));
        assert_eq!(diagnostics[0].line, Some(2));
    }

    fn codes(read: &ReadLater) -> Vec<&'static str> {
        read.diagnostics.iter().map(|d| d.code).collect()
    }

    /// A file the walk left unread must be the bytes the walk read; and
    /// nothing that is not that file is read: not a link, and not a named
    /// pipe, on which a plain read would wait for a writer.
    #[cfg(unix)]
    #[test]
    fn a_file_left_unread_must_be_the_bytes_the_walk_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Dockerfile");
        let display = path.to_str().unwrap();
        let text = b"FROM alpine\n# rampart:ignore DF-001 -- a test\n";
        // As the walk leaves it.
        let left = Unread {
            len: u32::try_from(text.len()).unwrap(),
            writes_marker: true,
            digest: digest(text),
            facts: 3,
        };
        std::fs::write(&path, text).unwrap();
        let read = read_later(display, left);
        assert!(read.diagnostics.is_empty());
        assert_eq!(read.text.as_deref().map(str::as_bytes), Some(&text[..]));
        // The same length, other bytes; shorter.
        let mut changed = text.to_vec();
        changed[0] = b'f';
        std::fs::write(&path, &changed).unwrap();
        assert_eq!(codes(&read_later(display, left)), ["file-changed"]);
        changed.pop();
        std::fs::write(&path, &changed).unwrap();
        assert_eq!(codes(&read_later(display, left)), ["file-changed"]);
        // Written to after the bytes the walk read: those are read.
        let mut grown = text.to_vec();
        grown.extend_from_slice(b"RUN make\n");
        std::fs::write(&path, &grown).unwrap();
        let read = read_later(display, left);
        assert!(read.diagnostics.is_empty());
        assert_eq!(read.text.as_deref().map(str::as_bytes), Some(&text[..]));
        // A link to a file of the same bytes.
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, text).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let read = read_later(display, left);
        assert_eq!(codes(&read), ["file-changed"]);
        assert!(read.diagnostics[0].message.contains("link"));
        // A named pipe, with no writer.
        std::fs::remove_file(&path).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        assert_eq!(codes(&read_later(display, left)), ["file-changed"]);
        // Gone.
        std::fs::remove_file(&path).unwrap();
        assert_eq!(codes(&read_later(display, left)), ["io-error"]);
    }

    #[test]
    fn binary_content_is_skipped() {
        let mut diagnostics = Vec::new();
        assert!(decode(b"\x7fELF\x00\x00".to_vec(), "x.yaml", &mut diagnostics).is_none());
        assert_eq!(diagnostics[0].code, "binary-file");
    }
}
