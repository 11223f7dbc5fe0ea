//! Scanning the query text: words with escapes and wildcards, quoted phrases, keywords, positions.
//!
//! The syntax is context-sensitive (`:` ends a key but not a value, `,` matters only inside `CIDR(...)`),
//! so the parser asks for the next word with the set of characters that end it where it stands.
use super::ast::{Pattern, Piece};
use super::guard;
use super::ParseError;

pub(crate) struct Cursor<'a> {
    pub src: &'a str,
    pub pos: usize,
}

/// A scanned bare word.
pub(crate) struct Word {
    pub pattern: Pattern,
    pub start: usize,
    pub end: usize,
    /// The word held `\` escapes or `*`/`?` wildcards: it cannot be a key or a keyword.
    pub plain: bool,
}

impl<'a> Cursor<'a> {
    pub fn new(src: &'a str) -> Cursor<'a> {
        Cursor { src, pos: 0 }
    }

    pub fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    pub fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    pub fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    pub fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    /// The 1-based character column of a byte offset.
    pub fn column(src: &str, byte: usize) -> usize {
        src.get(..byte).map_or(byte, |s| s.chars().count()) + 1
    }

    /// An error at the current position, spanning the current character (or nothing at the end).
    pub fn error_here(&self, message: impl Into<String>) -> ParseError {
        let end = self.pos + self.peek().map_or(0, char::len_utf8);
        self.error(message, self.pos..end)
    }

    pub fn error(&self, message: impl Into<String>, span: std::ops::Range<usize>) -> ParseError {
        ParseError {
            message: message.into(),
            column: Cursor::column(self.src, span.start),
            span,
        }
    }

    /// The keyword (`AND`, `OR`, `NOT`, `TO`) at the cursor, if the word there is exactly one.
    pub fn peek_keyword(&self) -> Option<&'static str> {
        let rest = self.rest();
        for kw in super::ast::KEYWORDS {
            if let Some(after) = rest.strip_prefix(kw) {
                match after.chars().next() {
                    None => return Some(kw),
                    Some(c) if c.is_whitespace() || c == '(' || c == ')' => return Some(kw),
                    _ => {}
                }
            }
        }
        None
    }

    /// Scan a bare word up to (not including) a character for which `stop` holds, outside escapes.
    /// `colon_ends_plain`: an unescaped `:` ends the word when nothing so far was escaped or wild
    /// (that is how `key:` is found); otherwise `:` is a literal character.
    pub fn word(
        &mut self,
        stop: &dyn Fn(char) -> bool,
        colon_ends_plain: bool,
    ) -> Result<Word, ParseError> {
        let start = self.pos;
        let mut pattern = Pattern::default();
        let mut plain = true;
        let (mut wildcards, mut chars) = (0usize, 0usize);
        while let Some(c) = self.peek() {
            if stop(c) {
                break;
            }
            // Merged stars (`**`) add nothing to match against, so they are not counted.
            if !(c == '*' && pattern.pieces.last() == Some(&Piece::Star)) {
                chars += 1;
            }
            if chars > guard::MAX_PATTERN_CHARS {
                return Err(self.error(
                    format!(
                        "value too long: at most {} characters",
                        guard::MAX_PATTERN_CHARS
                    ),
                    start..self.pos,
                ));
            }
            if wildcards > guard::MAX_WILDCARDS {
                return Err(self.error(
                    format!(
                        "too many wildcards in one value: at most {}",
                        guard::MAX_WILDCARDS
                    ),
                    start..self.pos,
                ));
            }
            if c == ':' && colon_ends_plain && plain && self.pos > start {
                break;
            }
            match c {
                '\\' => {
                    let at = self.pos;
                    self.bump();
                    match self.bump() {
                        Some(e) => pattern.push_char(e),
                        None => return Err(self.error("nothing to escape after '\\'", at..at + 1)),
                    }
                    plain = false;
                }
                '*' => {
                    self.bump();
                    // `**` matches what `*` does: one star keeps matching linear.
                    if pattern.pieces.last() != Some(&Piece::Star) {
                        wildcards += 1;
                        pattern.pieces.push(Piece::Star);
                    }
                    plain = false;
                }
                '?' => {
                    self.bump();
                    wildcards += 1;
                    pattern.pieces.push(Piece::One);
                    plain = false;
                }
                _ => {
                    self.bump();
                    pattern.push_char(c);
                }
            }
        }
        if wildcards > guard::MAX_WILDCARDS {
            return Err(self.error(
                format!(
                    "too many wildcards in one value: at most {}",
                    guard::MAX_WILDCARDS
                ),
                start..self.pos,
            ));
        }
        Ok(Word {
            pattern,
            start,
            end: self.pos,
            plain,
        })
    }

    /// Scan a `"quoted phrase"` (the cursor is on the opening quote); `\` escapes the next character.
    pub fn phrase(&mut self) -> Result<(String, usize, usize), ParseError> {
        let start = self.pos;
        self.bump();
        let mut s = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(self.error("unterminated quote: expected '\"'", start..self.pos));
                }
                Some('"') => return Ok((s, start, self.pos)),
                Some('\\') => match self.bump() {
                    Some(e) => s.push(e),
                    None => {
                        return Err(
                            self.error("unterminated quote: expected '\"'", start..self.pos)
                        );
                    }
                },
                Some(c) => s.push(c),
            }
        }
    }
}

/// Word terminators at the start of a term and inside value lists.
pub(crate) fn stop_term(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"')
}

/// Word terminators inside `[a TO b]`.
pub(crate) fn stop_range(c: char) -> bool {
    stop_term(c) || matches!(c, ']' | '}')
}

/// Word terminators inside `CIDR(...)`.
pub(crate) fn stop_cidr(c: char) -> bool {
    stop_term(c) || c == ','
}

/// Characters of an `@attribute.path` or a key.
pub(crate) fn stop_path(c: char) -> bool {
    stop_term(c) || matches!(c, ':' | ',' | '\\' | '*' | '?' | '[' | ']' | '{' | '}')
}
