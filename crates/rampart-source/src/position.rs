use serde::Serialize;

/// A point in a source file: 1-based line, 1-based column counted in characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl Position {
    pub const fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }
}

/// A range in a source file; `end` is exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub start: Position,
    pub end: Position,
}

impl Span {
    pub const fn new(start: Position, end: Position) -> Self {
        Self { start, end }
    }

    /// A span covering `len` characters of a single line.
    pub const fn on_line(line: u32, column: u32, len: u32) -> Self {
        Self {
            start: Position::new(line, column),
            end: Position::new(line, column + len),
        }
    }

    /// A span covering whole lines `first..=last` (the end points at column 1 of the next line).
    pub const fn lines(first: u32, last: u32) -> Self {
        Self {
            start: Position::new(first, 1),
            end: Position::new(last + 1, 1),
        }
    }

    /// The lines of its file a report reads for a finding at this span: its
    /// first, which the pretty format quotes, and for a span that ends at the
    /// start of a later line the line before ([`Span::whole_line_end`]),
    /// whose length is where a report ends it. A scan keeps these when it
    /// releases a file's text ([`crate::SourceFile::keep_lines`]).
    pub fn quoted_lines(self) -> impl Iterator<Item = u32> {
        std::iter::once(self.start.line.max(1)).chain(self.whole_line_end())
    }

    /// For a span that ends at column 1 of a later line (a whole-line span),
    /// the line before its end, after whose last character reports end it.
    pub fn whole_line_end(self) -> Option<u32> {
        let (start, end) = (self.start.line.max(1), self.end.line.max(1));
        (self.end.column.max(1) == 1 && end > start).then(|| end - 1)
    }

    pub fn contains(&self, pos: Position) -> bool {
        self.start <= pos && (pos < self.end || self.start == self.end && pos == self.start)
    }
}
