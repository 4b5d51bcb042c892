//! One diagnostic type for every problem a build can find, drawn like a compiler error by
//! annotate-snippets (the crate rustc and cargo use):
//!
//! ```text
//! error[E001]: unknown field `urgncy`
//!  --> content/causes/dvt.md:5:1
//!   |
//! 5 | urgncy: urgent
//!   | ^^^^^^
//!   |
//!   = help: did you mean `min_urgency`?
//! ```
//!
//! Every location carries a byte span of the source it quotes; a diagnostic may add secondary
//! places with labels (`first defined here`). `Display` is plain text; [`Diagnostic::render`]
//! with `colour` is for a terminal (see [`colour_on_stderr`]).

use std::fmt;
use std::io::IsTerminal;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use annotate_snippets::{
    AnnotationKind, Element, Group, Level, Origin, Renderer, Snippet, renderer::DecorStyle,
};

pub mod codes;

/// A file the build read, kept whole so any later stage can quote a line of it.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as the user should see it: relative to the site root where possible.
    pub path: PathBuf,
    pub text: String,
    /// Computed on first use: only an error needs to turn offsets into lines.
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> Arc<Self> {
        Arc::new(SourceFile {
            path,
            text,
            line_starts: std::sync::OnceLock::new(),
        })
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_starts = self.line_starts();
        let line_index = line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = line_starts[line_index];
        let column = self.text[line_start..]
            .char_indices()
            .take_while(|(i, _)| line_start + i < offset)
            .count();
        (line_index + 1, column + 1)
    }

    /// Byte range of a 1-based line, without its line break.
    fn line_range(&self, line: usize) -> Option<Range<usize>> {
        let line_starts = self.line_starts();
        let start = *line_starts.get(line.checked_sub(1)?)?;
        let end = line_starts.get(line).copied().unwrap_or(self.text.len());
        let text = self.text[start..end].trim_end_matches(['\n', '\r']);
        Some(start..start + text.len())
    }

    /// The text of a 1-based line, without its line break.
    pub fn line(&self, line: usize) -> Option<&str> {
        self.line_range(line).map(|range| &self.text[range])
    }

    /// A location that quotes its line from this file: it shares the file, it copies nothing.
    /// Its span is the token that starts at the column: a word or a whole Markdown link.
    pub fn location(self: &Arc<Self>, line: usize, column: usize) -> Location {
        let span = self.line_range(line).map(|range| {
            let text = &self.text[range.clone()];
            let start = range.start + byte_of_column(text, column);
            start..start + token_len(&self.text[start..range.end])
        });
        Location {
            file: self.path.clone(),
            line,
            column,
            span,
            quote: Some(Quote::File(Arc::clone(self))),
        }
    }

    pub fn location_of_offset(self: &Arc<Self>, offset: usize) -> Location {
        let (line, column) = self.line_col(offset);
        self.location(line, column)
    }

    /// A location that underlines exactly `span` (bytes of this file's text).
    /// A span that cuts a character is widened to the whole character.
    pub fn span(self: &Arc<Self>, span: Range<usize>) -> Location {
        let text = &self.text;
        let mut end = span.end.min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let mut start = span.start.min(end);
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let (line, column) = self.line_col(start);
        Location {
            file: self.path.clone(),
            line,
            column,
            span: Some(start..end),
            quote: Some(Quote::File(Arc::clone(self))),
        }
    }
}

/// Byte offset of a 1-based column (in characters) of `text`; its end when past it.
fn byte_of_column(text: &str, column: usize) -> usize {
    text.char_indices()
        .nth(column.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// Where the quoted source of a location comes from.
#[derive(Debug, Clone)]
enum Quote {
    /// A file the build read; the span is a byte range of its text.
    File(Arc<SourceFile>),
    /// A short text made for the message (an escaped excerpt of a file that is not UTF-8, a
    /// file name); the span is a byte range of this text.
    Text(Arc<str>),
}

#[derive(Debug, Clone)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based; 0 when only the file is known.
    pub line: usize,
    /// 1-based, in characters; 0 when only the file is known.
    pub column: usize,
    /// The bytes underlined, in the quoted source (the file's text, or the quoted text).
    pub span: Option<Range<usize>>,
    quote: Option<Quote>,
}

/// Two locations are the same place whatever they quote.
impl PartialEq for Location {
    fn eq(&self, other: &Self) -> bool {
        (&self.file, self.line, self.column) == (&other.file, other.line, other.column)
    }
}

impl Eq for Location {}

impl Location {
    /// A location that names only a file (e.g. a file that cannot be read).
    pub fn file(path: &Path) -> Location {
        Location {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            span: None,
            quote: None,
        }
    }

    /// A line and column of `path` quoting `text` instead of the file's own line; the span is
    /// the token at `column` of `text` until [`Location::with_caret`] moves it.
    pub fn quoting(path: &Path, line: usize, column: usize, text: &str) -> Location {
        Location {
            file: path.to_path_buf(),
            line,
            column,
            span: None,
            quote: Some(Quote::Text(text.into())),
        }
        .with_caret(column)
    }

    /// Underlines the token at this column (1-based, in characters) of a quoted text.
    pub fn with_caret(mut self, column: usize) -> Location {
        if let Some(Quote::Text(text)) = &self.quote {
            let start = byte_of_column(text, column);
            self.span = Some(start..start + token_len(&text[start..]));
        }
        self
    }

    /// The offending line, quoted under the message.
    pub fn source_line(&self) -> Option<&str> {
        match self.quote.as_ref()? {
            Quote::File(file) => file.line(self.line),
            Quote::Text(text) => Some(text),
        }
    }
}

/// A secondary place shown with a diagnostic, such as "first defined here".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub location: Location,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code such as `E001`, listed in the README and in [`codes`]; empty for a problem
    /// with how the program was run (a port in use, an id given to `new`).
    pub code: &'static str,
    pub message: String,
    pub location: Option<Location>,
    /// Other places that explain the problem, drawn with their own labels.
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// Problems of the same kind in the same file that are counted, not shown (see `KindLimit`).
    pub more: usize,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: None,
            labels: Vec::new(),
            help: None,
            more: 0,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// At exactly `span` (bytes) of `file`.
    pub fn with_span(self, file: &Arc<SourceFile>, span: Range<usize>) -> Self {
        self.at(file.span(span))
    }

    /// Adds a secondary place, e.g. `first defined here`.
    pub fn with_label(mut self, location: Location, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            location,
            text: text.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The diagnostic drawn for a person: in colour when `colour` (see [`colour_on_stderr`]).
    pub fn render(&self, colour: bool) -> String {
        let renderer = if colour {
            Renderer::styled()
        } else {
            Renderer::plain()
        }
        .decor_style(DecorStyle::Ascii);
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let mut title = level.primary_title(self.message.as_str());
        if !self.code.is_empty() {
            title = title.id(self.code);
        }
        let mut marks: Vec<Mark> = Vec::new();
        if let Some(location) = &self.location {
            marks.push(Mark {
                location,
                label: None,
                primary: true,
            });
        }
        marks.extend(self.labels.iter().map(|label| Mark {
            location: &label.location,
            label: Some(&label.text),
            primary: false,
        }));
        let mut elements = drawn_places(&marks);
        if let Some(help) = &self.help {
            elements.push(Level::HELP.message(help.as_str()).into());
        }
        if self.more > 0 {
            let place = self
                .location
                .as_ref()
                .map(|l| format!(" in {}", l.file.display()))
                .unwrap_or_default();
            elements.push(
                Level::NOTE
                    .no_name()
                    .message(format!(
                        "and {} more like this ({}{place})",
                        thousands(self.more),
                        self.code
                    ))
                    .into(),
            );
        }
        let mut out = renderer.render(&[Group::with_title(title).elements(elements)]);
        if let Some(location) = &self.location {
            out = true_header(out, location);
        }
        out.push('\n');
        out
    }
}

/// Whether diagnostics written to stderr should be in colour: only on a terminal, and never
/// when `NO_COLOR` is set to anything but the empty string (<https://no-color.org>).
pub fn colour_on_stderr() -> bool {
    colour_wanted(
        std::env::var_os("NO_COLOR").as_deref(),
        std::io::stderr().is_terminal(),
    )
}

fn colour_wanted(no_color: Option<&std::ffi::OsStr>, terminal: bool) -> bool {
    terminal && no_color.is_none_or(|value| value.is_empty())
}

/// A quoted text (an excerpt, a file name) is not the file itself, so the renderer's
/// `path:line:column`, worked out in the quote, is replaced by the location's own.
fn true_header(rendered: String, location: &Location) -> String {
    let (Some(Quote::Text(text)), Some(span)) = (&location.quote, &location.span) else {
        return rendered;
    };
    let path = location.file.display();
    let quoted_column = text[..span.start.min(text.len())].chars().count() + 1;
    let drawn = format!("{path}:{}:{quoted_column}", location.line.max(1));
    let true_place = if location.line == 0 {
        path.to_string()
    } else {
        format!("{path}:{}:{}", location.line, location.column)
    };
    rendered.replacen(&drawn, &true_place, 1)
}

/// One place to draw: the diagnostic's own (primary) or a label's.
struct Mark<'a> {
    location: &'a Location,
    label: Option<&'a str>,
    primary: bool,
}

/// The snippets (or bare file names) for the marks, marks in one file drawn in one snippet.
fn drawn_places<'a>(marks: &[Mark<'a>]) -> Vec<Element<'a>> {
    let mut elements = Vec::new();
    let mut done = vec![false; marks.len()];
    for i in 0..marks.len() {
        if done[i] {
            continue;
        }
        let mark = &marks[i];
        let location = mark.location;
        let path = location.file.display().to_string();
        match (&location.quote, &location.span) {
            (Some(Quote::File(file)), Some(_)) => {
                let same_file: Vec<&Mark> = (i..marks.len())
                    .filter(|&j| {
                        let same = matches!(
                            (&marks[j].location.quote, &marks[j].location.span),
                            (Some(Quote::File(other)), Some(_)) if Arc::ptr_eq(file, other)
                        );
                        if same {
                            done[j] = true;
                        }
                        same
                    })
                    .map(|j| &marks[j])
                    .collect();
                elements.push(file_snippet(file, path, &same_file).into());
            }
            (Some(Quote::Text(text)), Some(span)) => {
                done[i] = true;
                let (source, span) = shown_text(text, span.clone());
                let snippet = Snippet::source(source)
                    .line_start(location.line.max(1))
                    .line_numbering(location.line > 0)
                    .path(path)
                    .annotation(annotation(mark, span));
                elements.push(snippet.into());
            }
            _ => {
                done[i] = true;
                let mut origin = Origin::path(path);
                if location.line > 0 {
                    origin = origin.line(location.line).char_column(location.column);
                }
                elements.push(origin.into());
                // Nothing to underline: the label goes under the file's name.
                if let Some(label) = mark.label {
                    elements.push(Level::NOTE.message(label).into());
                }
            }
        }
    }
    elements
}

fn annotation<'a>(mark: &Mark<'a>, span: Range<usize>) -> annotate_snippets::Annotation<'a> {
    let kind = if mark.primary {
        AnnotationKind::Primary
    } else {
        AnnotationKind::Context
    };
    kind.span(span).label(mark.label)
}

/// The lines of `file` that hold the marks, as one snippet: only those lines are handed to the
/// renderer (a file of 8,000 broken links is not copied 50 times).
fn file_snippet<'a>(
    file: &SourceFile,
    path: String,
    marks: &[&Mark<'a>],
) -> Snippet<'a, annotate_snippets::Annotation<'a>> {
    let spans: Vec<Range<usize>> = marks
        .iter()
        .map(|mark| mark.location.span.clone().unwrap_or_default())
        .collect();
    let first = spans.iter().map(|s| s.start).min().unwrap_or(0);
    let last = spans.iter().map(|s| s.end).max().unwrap_or(0);
    let (first_line, _) = file.line_col(first);
    let (last_line, _) = file.line_col(last);
    let start = file.line_range(first_line).map_or(0, |r| r.start);
    let end = file
        .line_range(last_line)
        .map_or(file.text.len(), |r| r.end)
        .max(last);
    let (source, _) = shown_text(&file.text[start..end], 0..0);
    let mut snippet = Snippet::source(source).line_start(first_line).path(path);
    for (mark, span) in marks.iter().zip(spans) {
        let relative = span.start - start..span.end - start;
        let (_, relative) = shown_text(&file.text[start..end], relative);
        snippet = snippet.annotation(annotation(mark, relative));
    }
    snippet
}

/// `text` with every control character but tab and line breaks replaced by U+FFFD, so that
/// nothing in a file reaches the terminal raw (an escape sequence), and `span` moved with it.
fn shown_text(text: &str, span: Range<usize>) -> (String, Range<usize>) {
    let mut shown = String::with_capacity(text.len());
    let mut moved = span.clone();
    for (at, c) in text.char_indices() {
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
            let grow = '\u{fffd}'.len_utf8() - c.len_utf8();
            if at < span.start {
                moved.start += grow;
            }
            if at < span.end {
                moved.end += grow;
            }
            shown.push('\u{fffd}');
        } else {
            shown.push(c);
        }
    }
    (shown, moved)
}

impl fmt::Display for Diagnostic {
    /// Plain text, as written to a pipe or a file and compared in tests.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// `7950` -> `7,950`.
pub fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// At most this many problems of one kind (code) are shown per file; the rest are counted.
/// 8,000 broken links on one line would otherwise print 8,000 copies of the line.
pub const SHOWN_PER_FILE_AND_KIND: usize = 50;

/// Bounds the diagnostics of one kind in one file at the point where they are made, so that the
/// hidden ones cost no location lookup: `admit` says whether the next one will be shown.
#[derive(Debug, Default)]
pub struct KindLimit {
    shown: usize,
    hidden: usize,
    /// Index in the output of the last one shown, which carries the count of the hidden.
    last: Option<usize>,
}

impl KindLimit {
    /// Whether the next problem should be built and pushed; counts it as hidden otherwise.
    pub fn admit(&mut self) -> bool {
        if self.shown + self.hidden < SHOWN_PER_FILE_AND_KIND {
            self.shown += 1;
            true
        } else {
            self.hidden += 1;
            false
        }
    }

    /// Pushes an admitted diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic, out: &mut Vec<Diagnostic>) {
        out.push(diagnostic);
        self.last = Some(out.len() - 1);
    }

    pub fn finish(self, out: &mut [Diagnostic]) {
        if let Some(last) = self.last {
            out[last].more += self.hidden;
        }
    }
}

/// Length in bytes of the token at the start of `text`: a whole Markdown link
/// `[text](target)`, a whole HTML tag `<script src=x>`, or a word; at least one character (none
/// at the end of a line).
fn token_len(text: &str) -> usize {
    if text.starts_with('[')
        && let Some(close) = text.find("](")
        && let Some(end) = text[close..].find(')')
    {
        return close + end + 1;
    }
    if let Some(tag) = text.strip_prefix('<')
        && tag.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/')
        && let Some(end) = tag.find('>')
    {
        return end + 2;
    }
    let word: usize = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '#' | '\''))
        .map(char::len_utf8)
        .sum();
    if word > 0 {
        word
    } else {
        text.chars().next().map_or(0, char::len_utf8)
    }
}

/// All diagnostics of one build, reported together like a compiler does.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// Every error found, the ones counted but not shown included.
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.is_error())
            .map(|d| 1 + d.more)
            .sum()
    }

    pub fn warning_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| !d.is_error())
            .map(|d| 1 + d.more)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Errors first, then by file and position, so output is stable whatever thread found what;
    /// duplicates dropped, and at most `SHOWN_PER_FILE_AND_KIND` of a kind per file kept (the
    /// rest counted in the last one kept).
    pub fn sorted(mut self) -> Self {
        fn key(d: &Diagnostic) -> (Severity, Option<(&Path, usize, usize)>, &str, &str) {
            let place = d
                .location
                .as_ref()
                .map(|l| (l.file.as_path(), l.line, l.column));
            (d.severity, place, d.code, &d.message)
        }
        self.items.sort_by(|a, b| key(a).cmp(&key(b)));
        self.items.dedup();
        let mut kept: Vec<Diagnostic> = Vec::with_capacity(self.items.len());
        let mut per_kind: std::collections::HashMap<
            (Severity, Option<PathBuf>, &str),
            (usize, usize),
        > = std::collections::HashMap::new();
        for diagnostic in self.items {
            let kind = (
                diagnostic.severity,
                diagnostic.location.as_ref().map(|l| l.file.clone()),
                diagnostic.code,
            );
            let (count, last) = per_kind.entry(kind).or_insert((0, 0));
            if *count < SHOWN_PER_FILE_AND_KIND {
                *count += 1;
                *last = kept.len();
                kept.push(diagnostic);
            } else {
                kept[*last].more += 1 + diagnostic.more;
            }
        }
        self.items = kept;
        self
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl Diagnostics {
    /// Every diagnostic, then the count of errors when there are any; in colour when `colour`.
    pub fn render(&self, colour: bool) -> String {
        let mut out = String::new();
        for diagnostic in &self.items {
            out.push_str(&diagnostic.render(colour));
            out.push('\n');
        }
        let (errors, warnings) = (self.error_count(), self.warning_count());
        if errors > 0 {
            out.push_str(&format!(
                "error: the site was not built: {}",
                plural(errors, "error")
            ));
            if warnings > 0 {
                out.push_str(&format!(" and {}", plural(warnings, "warning")));
            }
            out.push('\n');
        }
        out
    }
}

impl fmt::Display for Diagnostics {
    /// Plain text, as written to a pipe or a file and compared in tests.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

pub fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(word, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(2))
        .min()
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_of_offsets() {
        let file = SourceFile::new("a.md".into(), "ab\ncdé\nx".into());
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(3), (2, 1));
        assert_eq!(file.line_col(7), (2, 4));
        assert_eq!(file.line_col(8), (3, 1));
        assert_eq!(file.line(2), Some("cdé"));
        assert_eq!(file.line(4), None);
    }

    #[test]
    fn renders_with_caret_under_the_token() {
        let file = SourceFile::new("c.md".into(), "---\nurgncy: urgent\n---\n".into());
        let text = Diagnostic::error("E001", "unknown field `urgncy`")
            .at(file.location(2, 1))
            .with_help("did you mean `urgency`?")
            .to_string();
        assert_eq!(
            text,
            "error[E001]: unknown field `urgncy`\n \
             --> c.md:2:1\n  \
             |\n\
             2 | urgncy: urgent\n  \
             | ^^^^^^\n  \
             |\n  \
             = help: did you mean `urgency`?\n"
        );
    }

    #[test]
    fn a_second_place_is_drawn_with_its_label() {
        let file = SourceFile::new("c.md".into(), "id: a\nx\ny\nz\nid: a\n".into());
        let text = Diagnostic::error("E002", "duplicate id `a`")
            .at(file.location(5, 5))
            .with_label(file.location(1, 5), "first defined here")
            .to_string();
        assert_eq!(
            text,
            "error[E002]: duplicate id `a`\n \
             --> c.md:5:5\n  \
             |\n\
             1 | id: a\n  \
             |     - first defined here\n\
             ...\n\
             5 | id: a\n  \
             |     ^\n"
        );
        let other = SourceFile::new("b.md".into(), "id: a\n".into());
        let text = Diagnostic::error("E002", "duplicate id `a`")
            .at(file.location(5, 5))
            .with_label(other.location(1, 5), "first defined here")
            .to_string();
        assert!(
            text.contains(" ::: b.md:1:5\n  |\n1 | id: a\n  |     - first defined here\n"),
            "{text}"
        );
    }

    #[test]
    fn an_exact_span_is_underlined_and_located() {
        let file = SourceFile::new("c.md".into(), "title: a long title\n".into());
        let text = Diagnostic::warning("W001", "x")
            .with_span(&file, 9..19)
            .to_string();
        assert!(text.contains(" --> c.md:1:10\n"), "{text}");
        assert!(
            text.contains("1 | title: a long title\n  |          ^^^^^^^^^^\n"),
            "{text}"
        );
        // Inside the `é` (bytes 1..3): the whole character.
        let file = SourceFile::new("c.md".into(), "xéy\n".into());
        assert_eq!(file.span(2..2).span, Some(1..3));
    }

    #[test]
    fn colour_on_a_terminal_unless_no_color() {
        use std::ffi::OsStr;
        assert!(colour_wanted(None, true));
        assert!(colour_wanted(Some(OsStr::new("")), true));
        assert!(!colour_wanted(Some(OsStr::new("1")), true));
        assert!(!colour_wanted(None, false));
    }

    #[test]
    fn colour_only_when_asked() {
        let file = SourceFile::new("c.md".into(), "x: y\n".into());
        let diagnostic = Diagnostic::error("E001", "x").at(file.location(1, 1));
        assert!(!diagnostic.to_string().contains('\u{1b}'));
        assert!(diagnostic.render(true).contains('\u{1b}'));
    }

    #[test]
    fn a_quoted_text_keeps_the_true_location() {
        let location = Location::quoting(Path::new("b.md"), 2, 6008, "…AB\\xFFtail").with_caret(4);
        let text = Diagnostic::error("E019", "not UTF-8")
            .at(location)
            .to_string();
        assert!(text.contains(" --> b.md:2:6008\n"), "{text}");
        assert!(text.contains("2 | …AB\\xFFtail\n  |    ^"), "{text}");
        let name = Location::quoting(Path::new("a/café.md"), 0, 0, "a/café.md").with_caret(3);
        let text = Diagnostic::error("E016", "not URL-safe")
            .at(name)
            .to_string();
        assert!(text.contains("--> a/café.md\n"), "{text}");
        assert!(text.contains("| a/café.md\n |   ^^^^^^^\n"), "{text}");
    }

    #[test]
    fn carets_underline_a_whole_markdown_link() {
        assert_eq!(token_len("[a](b.md#c) now"), "[a](b.md#c)".len());
        assert_eq!(token_len("[a] only"), 1);
        assert_eq!(token_len("urgncy: x"), 6);
        assert_eq!(token_len("<script>alert(1)</script>"), "<script>".len());
        assert_eq!(token_len("</b> x"), "</b>".len());
        assert_eq!(token_len("< 3 >"), 1);
        assert_eq!(token_len("é x"), 2);
        assert_eq!(token_len(""), 0);
    }

    #[test]
    fn nearest_finds_typos_only() {
        let fields = ["title", "summary", "min_urgency"];
        assert_eq!(nearest("titel", fields), Some("title"));
        assert_eq!(nearest("min_urgncy", fields), Some("min_urgency"));
        assert_eq!(nearest("colour", fields), None);
    }

    #[test]
    fn a_far_column_is_shown_with_the_text_around_it() {
        let line = format!(
            "{}[bad](x.md) tail{}",
            "word ".repeat(200),
            " more".repeat(80)
        );
        let file = SourceFile::new("c.md".into(), line.clone());
        let text = Diagnostic::error("E020", "broken link")
            .at(file.location(1, 1001))
            .to_string();
        let quoted = text.lines().nth(3).unwrap();
        let carets = text.lines().nth(4).unwrap();
        assert!(quoted.starts_with("1 | ..."), "{text}");
        assert!(quoted.ends_with("..."), "{text}");
        assert!(quoted.chars().count() < 160, "{text}");
        let caret_at = carets.find('^').unwrap();
        let after: String = quoted.chars().skip(caret_at).take(11).collect();
        assert_eq!(after, "[bad](x.md)", "{text}");
        assert_eq!(carets.matches('^').count(), "[bad](x.md)".len());
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let file = SourceFile::new("c.md".into(), "title: \u{1b}[31mred\n".into());
        let text = Diagnostic::error("E017", "x")
            .at(file.location(1, 9))
            .to_string();
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(
            text.contains("1 | title: \u{fffd}[31mred\n  |         ^"),
            "{text}"
        );
    }

    #[test]
    fn fifty_of_a_kind_per_file_are_kept_and_the_rest_counted() {
        let file = SourceFile::new("a.md".into(), "x\n".repeat(300));
        let mut diagnostics = Diagnostics::new();
        for line in 1..=300 {
            diagnostics.push(Diagnostic::error("E020", "broken").at(file.location(line, 1)));
        }
        diagnostics.push(Diagnostic::error("E021", "anchor").at(file.location(1, 1)));
        let diagnostics = diagnostics.sorted();
        assert_eq!(diagnostics.iter().count(), 51);
        assert_eq!(diagnostics.error_count(), 301);
        let text = diagnostics.to_string();
        assert!(
            text.contains("= and 250 more like this (E020 in a.md)"),
            "{text}"
        );
        assert!(
            text.ends_with("error: the site was not built: 301 errors\n"),
            "{text}"
        );
        assert_eq!(thousands(7950), "7,950");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
