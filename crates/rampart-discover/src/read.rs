use std::io::Read;
use std::path::Path;

use rampart_source::Diagnostic;

use crate::classify::{self, FileKind, NameClass};
use crate::{Discovery, InputFile};

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

/// Reads and classifies one file. `explicit` files (named on the command line)
/// are classified by content when their name says nothing.
pub(crate) fn read_file(
    path: &Path,
    display: String,
    root_relative: String,
    explicit: bool,
    max_file_size: u64,
    out: &mut Discovery,
) {
    let name_class = classify::by_name(path);
    if name_class == NameClass::Other && !explicit {
        return;
    }
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
    let Some(text) = decode(bytes, &display, &mut out.diagnostics) else {
        return;
    };
    let kind = classify::of_class(name_class, path, &text);
    match kind {
        Some(kind) => out.files.push(InputFile {
            kind,
            display_path: display,
            root_relative_path: root_relative,
            text,
        }),
        None if explicit => out.diagnostics.push(Diagnostic::warning(
            "unrecognised-file",
            display,
            "not a file rampart reads (Kubernetes YAML/JSON, Terraform, a Terraform plan, CloudFormation, a Dockerfile, Falco rules or Falco's falco.yaml); skipped",
        )),
        None => {}
    }
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

    #[test]
    fn binary_content_is_skipped() {
        let mut diagnostics = Vec::new();
        assert!(decode(b"\x7fELF\x00\x00".to_vec(), "x.yaml", &mut diagnostics).is_none());
        assert_eq!(diagnostics[0].code, "binary-file");
    }
}
