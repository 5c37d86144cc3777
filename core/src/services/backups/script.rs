//! Cuts a customer's `.sql` file into statements, exactly where the `mariadb` command-line client
//! would, so that the panel can send them to MariaDB itself through its driver.
//!
//! Why not the client: it runs programs as much as SQL. A file piped into it may start a shell
//! (`\!`, `system`), an editor (`\e`), read other files (`source`, `\.`), write files (`tee`),
//! connect elsewhere (`connect`), and `LOAD DATA LOCAL INFILE` makes it send the server any file
//! of the machine it runs on. A customer's file is data, never a program: this splitter knows the
//! client's syntax only to cut statements at the same places, and refuses everything that is not
//! SQL for the server, naming the line.
//!
//! The client's rules it follows (`add_line` and `find_command` in `client/mysql.cc`):
//! - the delimiter starts as `;` and `DELIMITER x` (the first word of a statement) changes it for
//!   the rest of the file; the command ends at the end of its line and is not a statement;
//! - quoted strings (`'…'`, `"…"` with backslash escapes, `` `…` `` without) and comments (`-- `,
//!   `#`, `/* … */`) hide the delimiter; conditional comments (`/*!…*/`, `/*M!…*/`) are code for
//!   the server, so the delimiter inside them does end the statement — except the `/*M!999999 …*/`
//!   mariadb-dump writes for the client alone, which is an ordinary comment;
//! - a backslash in code is a client command (`\!`, `\e`, `\.` …): refused, but `\g` and `\G`
//!   end the statement like the delimiter and `\N` is SQL's NULL;
//! - client commands written out (`system`, `source`, `quit` …) as the first word of a statement
//!   are refused; `use db` is a statement that also ends at the end of its line;
//! - `LOAD DATA|XML [LOW_PRIORITY|CONCURRENT] LOCAL` anywhere in code is refused.
//!
//! Streaming: bytes go from the reader's chunks into one buffer that holds only the statement being
//! cut (plus the rest of the last chunk read), so memory stays within `max_statement_bytes` plus
//! the reader's buffer whatever the input. Quoted strings and comments are crossed with `memchr`;
//! code is read a byte at a time through a class table. Every decision that needs to see bytes
//! ahead (`--`, `/*!`, a multi-byte delimiter …) waits for them rather than guessing at the end of
//! a chunk, so how the reader cuts its chunks never changes the result.
use memchr::{memchr, memchr2, memchr3};
use std::fmt;
use std::io::{self, BufRead};

/// Skipped at the very start of the input: editors on Windows like to write it.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The client keeps its delimiter in a 16-byte buffer: a longer one is silently cut to 15 bytes.
const MAX_DELIMITER_BYTES: usize = 15;

/// Client commands written out in full, refused as the first word of a statement. Not `help`
/// (also a server statement) nor `use` (the server understands `USE`), nor `delimiter` (handled).
const CLIENT_COMMANDS: &[&[u8]] = &[
    b"clear",
    b"connect",
    b"edit",
    b"ego",
    b"exit",
    b"go",
    b"nopager",
    b"notee",
    b"pager",
    b"print",
    b"prompt",
    b"quit",
    b"rehash",
    b"source",
    b"status",
    b"system",
    b"tee",
    b"warnings",
    b"nowarning",
    b"charset",
    b"query_attributes",
    b"sandbox",
];

/// One statement of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement's bytes without its delimiter, without leading whitespace/plain comments, without trailing whitespace.
    pub text: Vec<u8>,
    /// 1-based line of the file where the statement's first byte is.
    pub line: u64,
}

/// Why the file cannot be run.
#[derive(Debug)]
pub enum ScriptError {
    /// Reading the input failed (e.g. bad gzip underneath): pass the io::Error on.
    Read(io::Error),
    /// A command of the mariadb client (not SQL): `command` is how it was written, e.g. "\\!", "system", "source".
    ClientCommand { line: u64, command: String },
    /// LOAD DATA/XML LOCAL INFILE: the panel reads no files.
    LocalInfile { line: u64 },
    /// A statement longer than max_statement_bytes.
    TooLong { line: u64, limit: usize },
}

impl ScriptError {
    /// The line of the file the error is about (none for a read error).
    pub fn line(&self) -> Option<u64> {
        match self {
            ScriptError::Read(_) => None,
            ScriptError::ClientCommand { line, .. }
            | ScriptError::LocalInfile { line }
            | ScriptError::TooLong { line, .. } => Some(*line),
        }
    }
}

impl ScriptError {
    /// What is wrong, without where (the job reports the line on its own).
    pub fn reason(&self) -> String {
        match self {
            ScriptError::Read(err) => format!("The file could not be read: {err}"),
            ScriptError::ClientCommand { command, .. } => format!(
                "`{command}` is a command of the mariadb command-line client, not SQL. \
                 The panel runs SQL statements only; remove it from the file."
            ),
            ScriptError::LocalInfile { .. } => {
                "LOAD DATA LOCAL INFILE reads files from the machine that runs the import; \
                 the panel reads no files. Load the rows with INSERT statements instead."
                    .to_owned()
            }
            ScriptError::TooLong { limit, .. } => {
                format!(
                    "This statement is longer than the server's max_allowed_packet ({}); it cannot be sent.",
                    human_bytes(*limit)
                )
            }
        }
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line() {
            Some(line) => write!(f, "Line {line}: {}", self.reason()),
            None => f.write_str(&self.reason()),
        }
    }
}

impl std::error::Error for ScriptError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ScriptError::Read(err) => Some(err),
            _ => None,
        }
    }
}

/// `16 MiB` rather than `16777216`: max_allowed_packet is almost always a round number.
fn human_bytes(n: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = KIB * KIB;
    const GIB: usize = MIB * KIB;
    match n {
        0 => "0 bytes".to_string(),
        n if n % GIB == 0 => format!("{} GiB", n / GIB),
        n if n % MIB == 0 => format!("{} MiB", n / MIB),
        n if n % KIB == 0 => format!("{} KiB", n / KIB),
        n => format!("{n} bytes"),
    }
}

/// What a byte means in code (outside strings and comments).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Other,
    Space,
    Newline,
    Word,
    Quote,
    Backslash,
    Dash,
    Hash,
    Slash,
    Star,
    Question,
}

const CLASSES: [Class; 256] = classes();

const fn classes() -> [Class; 256] {
    let mut table = [Class::Other; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = if is_word_byte(b) {
            Class::Word
        } else if b == b'\n' {
            Class::Newline
        } else if is_space(b) {
            Class::Space
        } else {
            match b {
                b'\'' | b'"' | b'`' => Class::Quote,
                b'\\' => Class::Backslash,
                b'-' => Class::Dash,
                b'#' => Class::Hash,
                b'/' => Class::Slash,
                b'*' => Class::Star,
                b'?' => Class::Question,
                _ => Class::Other,
            }
        };
        i += 1;
    }
    table
}

/// Bytes of identifiers, keywords and numbers; bytes ≥ 0x80 are parts of multi-byte characters.
const fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The client's `my_isspace`: space, tab, newline, vertical tab, form feed, carriage return.
const fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Where the scanner is. Positions are indices into the splitter's buffer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// Outside strings and comments, between tokens (also before a statement's first token).
    Code,
    /// Inside a bare word that began at `start`.
    Word { start: usize },
    /// Inside a string or identifier opened by this quote.
    Quoted(u8),
    /// Inside `-- …` or `# …`, up to the end of the line.
    LineComment,
    /// Inside `/* … */`.
    BlockComment,
    /// Reading the rest of a `DELIMITER` command's line; its argument starts after `arg_from`.
    DelimiterCommand { arg_from: usize },
}

/// How far `LOAD DATA … LOCAL` has been seen, word by word.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
enum LoadWords {
    #[default]
    NotYet,
    Load,
    LoadData,
    LoadDataPriority,
}

impl LoadWords {
    /// The state after `word`, or `None` when the word is the LOCAL of `LOAD DATA LOCAL`.
    #[inline]
    fn after(self, word: &[u8]) -> Option<LoadWords> {
        let is = |keyword: &[u8]| word.eq_ignore_ascii_case(keyword);
        // Almost every word: not after LOAD, and not LOAD itself.
        if self == LoadWords::NotYet && word.len() != 4 {
            return Some(LoadWords::NotYet);
        }
        Some(match self {
            LoadWords::Load if is(b"data") || is(b"xml") => LoadWords::LoadData,
            LoadWords::LoadData if is(b"low_priority") || is(b"concurrent") => {
                LoadWords::LoadDataPriority
            }
            LoadWords::LoadData | LoadWords::LoadDataPriority if is(b"local") => return None,
            _ if is(b"load") => LoadWords::Load,
            _ => LoadWords::NotYet,
        })
    }
}

/// What the statement being cut has shown so far.
#[derive(Clone, Copy, Debug, Default)]
struct Current {
    /// Whether its first token has been seen; until then whitespace and comments are skipped.
    started: bool,
    /// Where its first token is in the buffer.
    start: usize,
    /// The line of its first token.
    line: u64,
    /// Its first token is a word not yet checked for being a client command.
    first_word_pending: bool,
    /// It is `use db`, which the client also ends at the end of the line.
    use_command: bool,
    load: LoadWords,
    /// Open conditional comments (`/*!`), whose `*/` does not break `LOAD DATA … LOCAL` apart.
    conditional_depth: u32,
    /// Whitespace past the limit was dropped from here on: anything but whitespace after it makes
    /// the statement too long.
    dropped_at: Option<usize>,
    /// The input ended inside a string or a `/* */` comment: its blanks are not trailing ones.
    unterminated: bool,
}

/// What a scanning step achieved.
enum Flow {
    /// A token was crossed, or the mode changed: go on.
    Continue,
    /// The buffer ends before the current token can be decided: read more.
    NeedInput,
    Emit(Statement),
    End,
}

type Step = Result<Flow, ScriptError>;

/// A byte ahead of the scanner.
enum Look {
    Byte(u8),
    /// The input ends before it.
    End,
    /// Not read yet.
    More,
}

/// What follows a statement's first word, to tell a client command from SQL.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Follow {
    Space,
    Semicolon,
    Delimiter,
    End,
    Other,
}

/// A streaming statement splitter over any reader of the file's bytes.
pub struct Splitter<R: BufRead> {
    reader: R,
    max: usize,
    /// The statement being cut (from `current.start`), or unscanned bytes, plus whatever of the
    /// last chunk lies beyond. Bytes before the statement are dead and dropped now and then.
    buf: Vec<u8>,
    /// The next byte to scan.
    pos: usize,
    /// The reader has no more bytes.
    eof: bool,
    /// The BOM check at the very start is still to be done.
    at_start: bool,
    /// Set after the end of the input or an error: nothing more comes.
    finished: bool,
    /// The line of `buf[pos]`.
    line: u64,
    mode: Mode,
    delimiter: Vec<u8>,
    current: Current,
}

impl<R: BufRead> Splitter<R> {
    /// `max_statement_bytes`: the server's max_allowed_packet; a statement longer than that is an
    /// error (ScriptError::TooLong) and is never buffered beyond it.
    pub fn new(reader: R, max_statement_bytes: usize) -> Self {
        Splitter {
            reader,
            max: max_statement_bytes,
            buf: Vec::new(),
            pos: 0,
            eof: false,
            at_start: true,
            finished: false,
            line: 1,
            mode: Mode::Code,
            delimiter: b";".to_vec(),
            current: Current::default(),
        }
    }

    /// The next statement, or Ok(None) at the end of the input. After an error the splitter is
    /// finished: it answers Ok(None) from then on.
    pub fn next_statement(&mut self) -> Result<Option<Statement>, ScriptError> {
        if self.finished {
            return Ok(None);
        }
        let next = self.run();
        if !matches!(next, Ok(Some(_))) {
            self.finished = true;
        }
        next
    }

    fn run(&mut self) -> Result<Option<Statement>, ScriptError> {
        loop {
            let flow = match self.mode {
                _ if self.at_start => self.skip_bom(),
                Mode::Code => self.scan_code()?,
                Mode::Word { start } => self.scan_word(start)?,
                Mode::Quoted(quote) => self.scan_quoted(quote),
                Mode::LineComment => self.scan_line_comment(),
                Mode::BlockComment => self.scan_block_comment(),
                Mode::DelimiterCommand { arg_from } => self.scan_delimiter_command(arg_from)?,
            };
            match flow {
                Flow::Continue => {}
                Flow::NeedInput => self.refill()?,
                Flow::Emit(statement) => return Ok(Some(statement)),
                Flow::End => return Ok(None),
            }
        }
    }

    fn skip_bom(&mut self) -> Flow {
        match self.matches_at(0, BOM) {
            None => Flow::NeedInput,
            Some(found) => {
                if found {
                    self.pos = BOM.len();
                }
                self.at_start = false;
                Flow::Continue
            }
        }
    }

    // ---- reading ----------------------------------------------------------------------------

    /// Appends the reader's next chunk to the buffer (or notes the end of the input), after
    /// checking the statement's length and dropping dead bytes.
    fn refill(&mut self) -> Result<(), ScriptError> {
        if self.eof {
            // Every step decides at the end of the input; asking for more then would loop forever.
            return Err(ScriptError::Read(io::Error::other(
                "the statement splitter asked for input after its end",
            )));
        }
        self.enforce_limit()?;
        // Nothing before the statement being cut (or, between statements, before `pos`) is
        // needed any more.
        let dead = if self.current.started {
            self.current.start
        } else {
            self.pos
        };
        loop {
            match self.reader.fill_buf() {
                Ok(chunk) => {
                    let n = chunk.len();
                    if n == 0 {
                        self.eof = true;
                        return Ok(());
                    }
                    let dropped = append_chunk(&mut self.buf, dead, chunk, self.max);
                    self.reader.consume(n);
                    self.shift_positions(dropped);
                    return Ok(());
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(ScriptError::Read(err)),
            }
        }
    }

    /// Refuses a statement that has grown past the limit, before the buffer grows any further.
    /// Whitespace at its end (in code or ending a `--` comment) is not yet part of it: that is
    /// dropped instead, remembering where, so that a statement with a long tail of blanks before
    /// its delimiter still fits. Memory stays bounded; reading goes on while only blanks come.
    fn enforce_limit(&mut self) -> Result<(), ScriptError> {
        let current = self.current;
        if !current.started || self.pos - current.start <= self.max {
            return Ok(());
        }
        // Blanks inside a string or a comment are part of the statement: it goes on past them.
        if !matches!(self.mode, Mode::Code | Mode::LineComment) {
            return Err(self.too_long());
        }
        let end = current.start + trimmed_len(&self.buf[current.start..self.pos]);
        if end - current.start > self.max || current.dropped_at.is_some_and(|at| end > at) {
            return Err(self.too_long());
        }
        self.buf.drain(end..self.pos);
        self.pos = end;
        self.current.dropped_at = Some(end);
        Ok(())
    }

    /// After `append_chunk` dropped the buffer's first `cut` bytes.
    fn shift_positions(&mut self, cut: usize) {
        if cut == 0 {
            return;
        }
        self.pos -= cut;
        if self.current.started {
            self.current.start -= cut;
            self.current.dropped_at = self.current.dropped_at.map(|at| at - cut);
        }
        self.mode = match self.mode {
            Mode::Word { start } => Mode::Word { start: start - cut },
            Mode::DelimiterCommand { arg_from } => Mode::DelimiterCommand {
                arg_from: arg_from - cut,
            },
            other => other,
        };
    }

    fn look(&self, at: usize) -> Look {
        match self.buf.get(at) {
            Some(&b) => Look::Byte(b),
            None if self.eof => Look::End,
            None => Look::More,
        }
    }

    /// Whether `pattern` is in the input at `at`, or None while too few bytes are read to tell.
    fn matches_at(&self, at: usize, pattern: &[u8]) -> Option<bool> {
        let have = self.buf.get(at..).unwrap_or_default();
        if have.len() >= pattern.len() {
            Some(have.starts_with(pattern))
        } else if !pattern.starts_with(have) || self.eof {
            Some(false)
        } else {
            None
        }
    }

    fn delimiter_at(&self, at: usize) -> Option<bool> {
        self.matches_at(at, &self.delimiter)
    }

    // ---- code -------------------------------------------------------------------------------

    /// Code, byte by byte, until the statement ends or a string, comment or word needs its own
    /// scanner (called directly, so that a line of short tokens stays in this loop).
    fn scan_code(&mut self) -> Step {
        let delimiter_start = self.delimiter[0];
        loop {
            self.cross_plain_code();
            let p = self.pos;
            let Some(&b) = self.buf.get(p) else {
                return if self.eof {
                    self.end_of_input()
                } else {
                    Ok(Flow::NeedInput)
                };
            };
            // The client looks for the delimiter before anything else but a backslash (which
            // a delimiter may not contain), so `//` or `;;` win over comments and `;`.
            if b == delimiter_start {
                match self.delimiter_at(p) {
                    None => return Ok(Flow::NeedInput),
                    Some(true) => return self.end_statement(p, p + self.delimiter.len()),
                    Some(false) => {}
                }
            }
            let flow = match CLASSES[b as usize] {
                Class::Space => {
                    self.pos = p + 1;
                    continue;
                }
                Class::Newline => {
                    self.line += 1;
                    self.pos = p + 1;
                    if self.current.use_command {
                        return self.end_statement(p, p + 1);
                    }
                    continue;
                }
                Class::Other => {
                    self.punctuation(p);
                    continue;
                }
                Class::Word => {
                    self.current.first_word_pending = self.begin_token(p);
                    self.mode = Mode::Word { start: p };
                    self.pos = p + 1;
                    self.scan_word(p)?
                }
                Class::Quote => {
                    self.punctuation(p);
                    self.mode = Mode::Quoted(b);
                    self.scan_quoted(b)
                }
                Class::Hash => self.open_line_comment(p + 1),
                Class::Dash => self.dash(p),
                Class::Slash => self.slash(p),
                Class::Star => self.star(p),
                Class::Backslash => self.backslash(p)?,
                Class::Question => self.question(p)?,
            };
            match flow {
                Flow::Continue if self.mode == Mode::Code => {}
                other => return Ok(other),
            }
        }
    }

    /// The bulk of a statement's code between strings — blanks, punctuation, words — crossed with
    /// no call and no store per byte. Leaves to the careful path in `scan_code` whatever may need
    /// more: the delimiter, the end of the buffer, a word that may go on in the next chunk or
    /// complete `LOAD DATA LOCAL`, the newline ending `use`, quotes, comments, backslashes.
    fn cross_plain_code(&mut self) {
        let delimiter_start = self.delimiter[0];
        // Before the first token, and with a delimiter that can hide inside words, go carefully.
        if !self.current.started || is_word_byte(delimiter_start) {
            return;
        }
        let buf = &self.buf;
        let use_command = self.current.use_command;
        let mut load = self.current.load;
        let mut newlines = 0;
        let mut p = self.pos;
        while let Some(&b) = buf.get(p) {
            if b == delimiter_start {
                break;
            }
            match CLASSES[b as usize] {
                Class::Space => p += 1,
                Class::Newline if !use_command => {
                    newlines += 1;
                    p += 1;
                }
                Class::Other => {
                    load = LoadWords::NotYet;
                    p += 1;
                }
                Class::Word => {
                    let start = p;
                    let end = start
                        + buf[start..]
                            .iter()
                            .position(|&c| !is_word_byte(c))
                            .unwrap_or(buf.len() - start);
                    match load.after(&buf[start..end]) {
                        Some(next) if end < buf.len() => load = next,
                        _ => break,
                    }
                    p = end;
                }
                _ => break,
            }
        }
        self.pos = p;
        self.line += newlines;
        self.current.load = load;
    }

    /// Notes a token at `p`: the statement starts here if nothing but blanks and comments came
    /// before. Returns whether it is the statement's first token.
    fn begin_token(&mut self, p: usize) -> bool {
        if self.current.started {
            return false;
        }
        self.current.started = true;
        self.current.start = p;
        self.current.line = self.line;
        true
    }

    /// A one-byte token that is not part of a word (also the opening quote of a string): it
    /// separates `LOAD` from `DATA`.
    fn punctuation(&mut self, p: usize) {
        self.begin_token(p);
        self.current.load = LoadWords::NotYet;
        self.pos = p + 1;
    }

    /// `--` starts a comment when followed by whitespace or the end of the input; at the start of
    /// a statement the client takes `--` followed by anything (`------`) as a comment too.
    fn dash(&mut self, p: usize) -> Flow {
        match self.look(p + 1) {
            Look::More => return Flow::NeedInput,
            Look::Byte(b'-') => {
                let comment = !self.current.started
                    || match self.look(p + 2) {
                        Look::More => return Flow::NeedInput,
                        Look::End => true,
                        Look::Byte(b) => is_space(b),
                    };
                if comment {
                    return self.open_line_comment(p + 2);
                }
            }
            _ => {}
        }
        self.punctuation(p);
        Flow::Continue
    }

    /// `/*` opens a comment: a plain one, or a conditional one whose contents are code.
    fn slash(&mut self, p: usize) -> Flow {
        match self.look(p + 1) {
            Look::More => return Flow::NeedInput,
            Look::Byte(b'*') => {}
            _ => {
                self.punctuation(p);
                return Flow::Continue;
            }
        }
        let marker = match (self.look(p + 2), self.look(p + 3)) {
            (Look::More, _) | (Look::Byte(b'M'), Look::More) => return Flow::NeedInput,
            (Look::Byte(b'!'), _) => 3,
            (Look::Byte(b'M'), Look::Byte(b'!')) => 4,
            _ => return self.open_block_comment(p + 2),
        };
        let Some(digits) = self.version_digits(p + marker) else {
            return Flow::NeedInput;
        };
        // mariadb-dump's first line `/*M!999999\- enable the sandbox mode */` is for the client
        // alone (no server has that version): an ordinary comment, `\-` included.
        if &self.buf[p + marker..p + marker + digits] == b"999999" {
            return self.open_block_comment(p + 2);
        }
        self.begin_token(p);
        self.current.conditional_depth += 1;
        self.pos = p + marker + digits;
        Flow::Continue
    }

    /// How many version digits (at most 6) follow a conditional comment's `!` at `from`, or None
    /// while the input read so far does not tell.
    fn version_digits(&self, from: usize) -> Option<usize> {
        let mut n = 0;
        while n < 6 {
            match self.look(from + n) {
                Look::More => return None,
                Look::Byte(b) if b.is_ascii_digit() => n += 1,
                _ => break,
            }
        }
        Some(n)
    }

    /// `*/` closing a conditional comment is part of the code around it, not punctuation.
    fn star(&mut self, p: usize) -> Flow {
        if self.current.conditional_depth > 0 {
            match self.look(p + 1) {
                Look::More => return Flow::NeedInput,
                Look::Byte(b'/') => {
                    self.begin_token(p);
                    self.current.conditional_depth -= 1;
                    self.pos = p + 2;
                    return Flow::Continue;
                }
                _ => {}
            }
        }
        self.punctuation(p);
        Flow::Continue
    }

    /// A backslash in code is a client command, except `\g`/`\G` (run the statement) and `\N`
    /// (NULL, which the client passes on).
    fn backslash(&mut self, p: usize) -> Step {
        let command = match self.look(p + 1) {
            Look::More => return Ok(Flow::NeedInput),
            Look::Byte(b'g' | b'G') => return self.end_statement(p, p + 2),
            Look::Byte(b'N') => {
                self.punctuation(p);
                self.pos = p + 2;
                return Ok(Flow::Continue);
            }
            Look::Byte(b) if !is_space(b) => vec![b'\\', b],
            _ => vec![b'\\'],
        };
        Err(ScriptError::ClientCommand {
            line: self.line,
            command: String::from_utf8_lossy(&command).into_owned(),
        })
    }

    /// `?` alone is the client's `help`.
    fn question(&mut self, p: usize) -> Step {
        if !self.current.started {
            match self.follow_at(p + 1) {
                None => return Ok(Flow::NeedInput),
                Some(Follow::Other) => {}
                Some(_) => {
                    return Err(ScriptError::ClientCommand {
                        line: self.line,
                        command: "?".to_string(),
                    });
                }
            }
        }
        self.punctuation(p);
        Ok(Flow::Continue)
    }

    fn follow_at(&self, at: usize) -> Option<Follow> {
        match self.look(at) {
            Look::More => None,
            Look::End => Some(Follow::End),
            Look::Byte(b) if is_space(b) => Some(Follow::Space),
            Look::Byte(b';') => Some(Follow::Semicolon),
            Look::Byte(_) => Some(if self.delimiter_at(at)? {
                Follow::Delimiter
            } else {
                Follow::Other
            }),
        }
    }

    // ---- words ------------------------------------------------------------------------------

    fn scan_word(&mut self, start: usize) -> Step {
        let delimiter_start = self.delimiter[0];
        let mut q = self.pos;
        while let Some(&b) = self.buf.get(q) {
            if CLASSES[b as usize] != Class::Word {
                break;
            }
            // A delimiter made of letters (`DELIMITER GO`) ends a word like any other.
            if b == delimiter_start {
                match self.delimiter_at(q) {
                    None => {
                        self.pos = q;
                        return Ok(Flow::NeedInput);
                    }
                    Some(true) => break,
                    Some(false) => {}
                }
            }
            q += 1;
        }
        self.pos = q;
        if q == self.buf.len() && !self.eof {
            return Ok(Flow::NeedInput);
        }
        self.word_done(start, q)
    }

    fn word_done(&mut self, start: usize, end: usize) -> Step {
        if self.current.first_word_pending {
            let Some(follow) = self.follow_at(end) else {
                return Ok(Flow::NeedInput);
            };
            self.current.first_word_pending = false;
            let word = &self.buf[start..end];
            if word.eq_ignore_ascii_case(b"delimiter")
                && matches!(follow, Follow::Space | Follow::End)
            {
                self.mode = Mode::DelimiterCommand { arg_from: end };
                return Ok(Flow::Continue);
            }
            if follow != Follow::Other {
                if word.eq_ignore_ascii_case(b"use") {
                    self.current.use_command = true;
                } else if CLIENT_COMMANDS
                    .iter()
                    .any(|command| word.eq_ignore_ascii_case(command))
                {
                    let command = String::from_utf8_lossy(word).into_owned();
                    return Err(ScriptError::ClientCommand {
                        line: self.current.line,
                        command,
                    });
                }
            }
        }
        match self.current.load.after(&self.buf[start..end]) {
            Some(load) => self.current.load = load,
            None => {
                return Err(ScriptError::LocalInfile {
                    line: self.current.line,
                });
            }
        }
        self.mode = Mode::Code;
        Ok(Flow::Continue)
    }

    // ---- strings and comments ---------------------------------------------------------------

    /// Up to the closing quote. In `'…'` and `"…"` a backslash escapes the next byte; a doubled
    /// quote needs no rule of its own (it closes the string and opens the next).
    fn scan_quoted(&mut self, quote: u8) -> Flow {
        loop {
            let rest = &self.buf[self.pos..];
            let found = if quote == b'`' {
                memchr2(b'`', b'\n', rest)
            } else {
                memchr3(quote, b'\\', b'\n', rest)
            };
            let Some(i) = found else {
                return self.unfinished_at_buffer_end(true);
            };
            let q = self.pos + i;
            match self.buf[q] {
                b'\n' => {
                    self.line += 1;
                    self.pos = q + 1;
                }
                b'\\' => match self.look(q + 1) {
                    Look::More => {
                        self.pos = q;
                        return Flow::NeedInput;
                    }
                    Look::End => self.pos = q + 1,
                    Look::Byte(escaped) => {
                        if escaped == b'\n' {
                            self.line += 1;
                        }
                        self.pos = q + 2;
                    }
                },
                _ => {
                    self.pos = q + 1;
                    self.mode = Mode::Code;
                    return Flow::Continue;
                }
            }
        }
    }

    /// A comment to the end of the line, whose text starts at `from`. The newline itself is left
    /// to the code scanner (it may end a `use` statement).
    fn open_line_comment(&mut self, from: usize) -> Flow {
        self.mode = Mode::LineComment;
        self.pos = from;
        self.scan_line_comment()
    }

    fn scan_line_comment(&mut self) -> Flow {
        match memchr(b'\n', &self.buf[self.pos..]) {
            Some(i) => {
                self.pos += i;
                self.mode = Mode::Code;
                Flow::Continue
            }
            None => self.unfinished_at_buffer_end(false),
        }
    }

    fn open_block_comment(&mut self, from: usize) -> Flow {
        self.mode = Mode::BlockComment;
        self.pos = from;
        self.scan_block_comment()
    }

    fn scan_block_comment(&mut self) -> Flow {
        loop {
            let Some(i) = memchr2(b'*', b'\n', &self.buf[self.pos..]) else {
                return self.unfinished_at_buffer_end(true);
            };
            let q = self.pos + i;
            if self.buf[q] == b'\n' {
                self.line += 1;
                self.pos = q + 1;
                continue;
            }
            match self.look(q + 1) {
                Look::More => {
                    self.pos = q;
                    return Flow::NeedInput;
                }
                Look::Byte(b'/') => {
                    self.pos = q + 2;
                    self.mode = Mode::Code;
                    return Flow::Continue;
                }
                _ => self.pos = q + 1,
            }
        }
    }

    /// A string or comment runs to the end of the buffer: read on, or, at the end of the input,
    /// let the code scanner end the statement there (as the client sends what it has).
    fn unfinished_at_buffer_end(&mut self, unterminated: bool) -> Flow {
        self.pos = self.buf.len();
        if self.eof {
            self.current.unterminated = unterminated;
            self.mode = Mode::Code;
            Flow::Continue
        } else {
            Flow::NeedInput
        }
    }

    // ---- DELIMITER --------------------------------------------------------------------------

    /// `DELIMITER x`: the next whitespace-delimited token of the line becomes the delimiter; the
    /// rest of the line is ignored, as in the client.
    fn scan_delimiter_command(&mut self, arg_from: usize) -> Step {
        let line_end = match memchr(b'\n', &self.buf[self.pos..]) {
            Some(i) => self.pos + i,
            None if self.eof => self.buf.len(),
            None => {
                self.pos = self.buf.len();
                return Ok(Flow::NeedInput);
            }
        };
        if line_end - self.current.start > self.max {
            return Err(self.too_long());
        }
        let argument = self.buf[arg_from..line_end]
            .split(|&b| is_space(b))
            .find(|token| !token.is_empty());
        match argument {
            // The client refuses it too: a backslash would start a client command.
            Some(argument) if argument.contains(&b'\\') => {
                let written = &self.buf[self.current.start..line_end];
                let command =
                    String::from_utf8_lossy(&written[..trimmed_len(written)]).into_owned();
                return Err(ScriptError::ClientCommand {
                    line: self.current.line,
                    command,
                });
            }
            Some(argument) => {
                self.delimiter = argument[..argument.len().min(MAX_DELIMITER_BYTES)].to_vec()
            }
            // The client complains and keeps its delimiter.
            None => {}
        }
        self.current = Current::default();
        self.pos = line_end;
        self.mode = Mode::Code;
        Ok(Flow::Continue)
    }

    // ---- statement ends ---------------------------------------------------------------------

    /// The statement ends before `end`; scanning goes on at `next`. Nothing but blanks and
    /// comments since the last one: nothing to run, as in the client.
    fn end_statement(&mut self, end: usize, next: usize) -> Step {
        self.pos = next;
        if !self.current.started {
            self.current = Current::default();
            return Ok(Flow::Continue);
        }
        let start = self.current.start;
        let text_end = if self.current.unterminated {
            end
        } else {
            start + trimmed_len(&self.buf[start..end])
        };
        if text_end - start > self.max || self.current.dropped_at.is_some_and(|at| text_end > at) {
            return Err(self.too_long());
        }
        let statement = Statement {
            text: self.buf[start..text_end].to_vec(),
            line: self.current.line,
        };
        self.current = Current::default();
        Ok(Flow::Emit(statement))
    }

    /// At the end of the input the client runs what it has, delimiter or not.
    fn end_of_input(&mut self) -> Step {
        if self.current.started {
            let end = self.buf.len();
            self.end_statement(end, end)
        } else {
            Ok(Flow::End)
        }
    }

    fn too_long(&self) -> ScriptError {
        ScriptError::TooLong {
            line: self.current.line,
            limit: self.max,
        }
    }
}

/// The longest lookahead of any decision (a delimiter of 15 bytes), with room to spare.
const LOOKAHEAD_SLACK: usize = 64;

/// Appends `chunk` to `buf`, first dropping its first `dead` bytes when they are at least as many
/// as the live ones (so each byte moves at most a few times however small the chunks) or when
/// that saves growing the buffer. Returns how many bytes were dropped from the front.
///
/// The buffer never grows past what a statement of `max` bytes needs with one chunk after it:
/// the length check keeps the live bytes within `max` plus a lookahead, and doubling is capped
/// there rather than allowed to reach twice the limit.
fn append_chunk(buf: &mut Vec<u8>, dead: usize, chunk: &[u8], max: usize) -> usize {
    let live = buf.len() - dead;
    let dropped = if dead > 0 && (dead >= live || buf.len() + chunk.len() > buf.capacity()) {
        buf.drain(..dead);
        dead
    } else {
        0
    };
    let needed = buf.len() + chunk.len();
    if needed > buf.capacity() {
        let ceiling = max
            .saturating_add(chunk.len())
            .saturating_add(LOOKAHEAD_SLACK);
        let target = needed.max(buf.capacity().saturating_mul(2).min(ceiling));
        buf.reserve_exact(target - buf.len());
    }
    buf.extend_from_slice(chunk);
    dropped
}

/// The length of `bytes` without trailing whitespace.
fn trimmed_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(0, |last| last + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::{BufReader, Cursor, Read};

    /// A limit no test statement reaches.
    const NO_LIMIT: usize = 1 << 20;

    /// Everything the splitter gives for `input` read in chunks of at most `chunk` bytes: the
    /// statements, then the error that stopped it, if any.
    fn split_in_chunks(
        input: &[u8],
        chunk: usize,
        max: usize,
    ) -> (Vec<Statement>, Option<ScriptError>) {
        let mut splitter = Splitter::new(BufReader::with_capacity(chunk, input), max);
        let mut statements = Vec::new();
        loop {
            match splitter.next_statement() {
                Ok(Some(statement)) => statements.push(statement),
                Ok(None) => break,
                Err(err) => {
                    assert!(
                        matches!(splitter.next_statement(), Ok(None)),
                        "an error ends the splitter"
                    );
                    return (statements, Some(err));
                }
            }
        }
        assert!(
            matches!(splitter.next_statement(), Ok(None)),
            "the end stays the end"
        );
        (statements, None)
    }

    /// The same, asserting that chunks of 1 to 7 bytes (every token cut at every place) give
    /// exactly what one chunk of the whole input gives.
    fn split_every_way(input: &[u8], max: usize) -> (Vec<Statement>, Option<ScriptError>) {
        let whole = split_in_chunks(input, input.len().max(1), max);
        for chunk in (1..=7).chain([64]) {
            let (statements, error) = split_in_chunks(input, chunk, max);
            assert_eq!(statements, whole.0, "chunks of {chunk} bytes");
            assert_eq!(
                format!("{error:?}"),
                format!("{:?}", whole.1),
                "chunks of {chunk} bytes"
            );
        }
        whole
    }

    /// (line, text) of the statements of `input`, which must be accepted.
    fn statements(input: &str) -> Vec<(u64, String)> {
        statements_of_bytes(input.as_bytes())
    }

    fn statements_of_bytes(input: &[u8]) -> Vec<(u64, String)> {
        let (statements, error) = split_every_way(input, NO_LIMIT);
        assert!(error.is_none(), "unexpected {error:?}");
        statements
            .into_iter()
            .map(|s| (s.line, String::from_utf8_lossy(&s.text).into_owned()))
            .collect()
    }

    fn texts(input: &str) -> Vec<String> {
        statements(input)
            .into_iter()
            .map(|(_, text)| text)
            .collect()
    }

    /// The error `input` ends in, and the texts of the statements before it.
    fn error(input: &str) -> (Vec<String>, ScriptError) {
        let (statements, error) = split_every_way(input.as_bytes(), NO_LIMIT);
        let texts = statements
            .into_iter()
            .map(|s| String::from_utf8_lossy(&s.text).into_owned())
            .collect();
        (texts, error.expect("an error"))
    }

    fn client_command(input: &str) -> (u64, String) {
        match error(input).1 {
            ScriptError::ClientCommand { line, command } => (line, command),
            other => panic!("expected a client command, got {other:?}"),
        }
    }

    fn local_infile_line(input: &str) -> u64 {
        match error(input).1 {
            ScriptError::LocalInfile { line } => line,
            other => panic!("expected LOCAL INFILE, got {other:?}"),
        }
    }

    /// The 1-based line of the first occurrence of `needle` in `input`.
    fn line_of(input: &str, needle: &str) -> u64 {
        let at = input.find(needle).expect("needle in input");
        1 + input[..at].matches('\n').count() as u64
    }

    // ---- whole files ------------------------------------------------------------------------

    const MARIADB_DUMP: &str = r#"/*M!999999\- enable the sandbox mode */ 
-- MariaDB dump 10.19-11.4.2-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: shop
-- ------------------------------------------------------
-- Server version	11.4.2-MariaDB-deb12

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*M!100616 SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */;

--
-- Table structure for table `orders`
--

DROP TABLE IF EXISTS `orders`;
CREATE TABLE `orders` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `note` varchar(200) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci;

--
-- Dumping data for table `orders`
--

LOCK TABLES `orders` WRITE;
/*!40000 ALTER TABLE `orders` DISABLE KEYS */;
INSERT INTO `orders` VALUES (1,'it\'s; -- not a comment'),(2,'a\\b /* nor this */ # nor this');
/*!40000 ALTER TABLE `orders` ENABLE KEYS */;
UNLOCK TABLES;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `orders_bi` BEFORE INSERT ON `orders` FOR EACH ROW BEGIN
  SET NEW.note = TRIM(NEW.note);
  IF NEW.note = '' THEN SET NEW.note = NULL; END IF;
END */;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;

--
-- Dumping routines for database 'shop'
--
/*!50003 DROP PROCEDURE IF EXISTS `archive` */;
DELIMITER ;;
CREATE DEFINER=`root`@`localhost` PROCEDURE `archive`(IN days INT)
BEGIN
  DELETE FROM `orders` WHERE id < days;
  SELECT 'done;;' AS result;
END ;;
DELIMITER ;

--
-- Final view structure for view `big_orders`
--

/*!50001 DROP VIEW IF EXISTS `big_orders`*/;
/*!50001 CREATE ALGORITHM=UNDEFINED */
/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */
/*!50001 VIEW `big_orders` AS select `orders`.`id` AS `id` from `orders` where `orders`.`id` > 100 */;
/*M!100616 SET NOTE_VERBOSITY=@OLD_NOTE_VERBOSITY */;

-- Dump completed on 2024-06-01 12:00:00
"#;

    #[test]
    fn a_mariadb_dump_splits_like_the_client() {
        let got = statements(MARIADB_DUMP);
        let texts: Vec<&str> = got.iter().map(|(_, text)| text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */",
                "/*!40101 SET NAMES utf8mb4 */",
                "/*M!100616 SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */",
                "DROP TABLE IF EXISTS `orders`",
                "CREATE TABLE `orders` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `note` varchar(200) DEFAULT NULL,\n  \
                 PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_uca1400_ai_ci",
                "LOCK TABLES `orders` WRITE",
                "/*!40000 ALTER TABLE `orders` DISABLE KEYS */",
                r"INSERT INTO `orders` VALUES (1,'it\'s; -- not a comment'),(2,'a\\b /* nor this */ # nor this')",
                "/*!40000 ALTER TABLE `orders` ENABLE KEYS */",
                "UNLOCK TABLES",
                "/*!50003 SET @saved_sql_mode       = @@sql_mode */",
                "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `orders_bi` BEFORE INSERT ON \
                 `orders` FOR EACH ROW BEGIN\n  SET NEW.note = TRIM(NEW.note);\n  IF NEW.note = '' THEN SET NEW.note = \
                 NULL; END IF;\nEND */",
                "/*!50003 SET sql_mode              = @saved_sql_mode */",
                "/*!50003 DROP PROCEDURE IF EXISTS `archive` */",
                "CREATE DEFINER=`root`@`localhost` PROCEDURE `archive`(IN days INT)\nBEGIN\n  DELETE FROM `orders` WHERE \
                 id < days;\n  SELECT 'done;;' AS result;\nEND",
                "/*!50001 DROP VIEW IF EXISTS `big_orders`*/",
                "/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */\n\
                 /*!50001 VIEW `big_orders` AS select `orders`.`id` AS `id` from `orders` where `orders`.`id` > 100 */",
                "/*M!100616 SET NOTE_VERBOSITY=@OLD_NOTE_VERBOSITY */",
            ]
        );
        let line = |prefix: &str| {
            got.iter()
                .find(|(_, text)| text.starts_with(prefix))
                .map(|(line, _)| *line)
        };
        assert_eq!(line("/*!40101 SET @OLD"), Some(8));
        assert_eq!(
            line("CREATE TABLE"),
            Some(line_of(MARIADB_DUMP, "CREATE TABLE"))
        );
        assert_eq!(
            line("INSERT INTO"),
            Some(line_of(MARIADB_DUMP, "INSERT INTO"))
        );
        assert_eq!(
            line("/*!50003 CREATE*/"),
            Some(line_of(MARIADB_DUMP, "/*!50003 CREATE*/"))
        );
        assert_eq!(
            line("CREATE DEFINER"),
            Some(line_of(MARIADB_DUMP, "CREATE DEFINER"))
        );
        assert_eq!(
            line("/*!50001 CREATE ALGORITHM"),
            Some(line_of(MARIADB_DUMP, "/*!50001 CREATE ALGORITHM"))
        );
    }

    const PHPMYADMIN_EXPORT: &str = "-- phpMyAdmin SQL Dump
-- version 5.2.1
-- https://www.phpmyadmin.net/
--
-- Host: 127.0.0.1
-- Generation Time: Jun 01, 2024 at 12:00 PM
-- Server version: 10.11.6-MariaDB-0+deb12u1
-- PHP Version: 8.2.7

SET SQL_MODE = \"NO_AUTO_VALUE_ON_ZERO\";
START TRANSACTION;
SET time_zone = \"+00:00\";


/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;

--
-- Database: `shop`
--

DELIMITER $$
--
-- Procedures
--
CREATE DEFINER=`root`@`localhost` PROCEDURE `tidy` ()   BEGIN
DELETE FROM `orders` WHERE `note` = '$$;';
SELECT 1;
END$$

DELIMITER ;

-- --------------------------------------------------------

--
-- Table structure for table `orders`
--

CREATE TABLE `orders` (
  `id` int(11) NOT NULL,
  `note` varchar(200) DEFAULT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

--
-- Dumping data for table `orders`
--

INSERT INTO `orders` (`id`, `note`) VALUES
(1, 'it''s fine'),
(2, 'semi; colon');
COMMIT;

/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
";

    #[test]
    fn a_phpmyadmin_export_splits_like_the_client() {
        let got = statements(PHPMYADMIN_EXPORT);
        let expected = [
            "SET SQL_MODE = \"NO_AUTO_VALUE_ON_ZERO\"",
            "START TRANSACTION",
            "SET time_zone = \"+00:00\"",
            "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */",
            "/*!40101 SET NAMES utf8mb4 */",
            "CREATE DEFINER=`root`@`localhost` PROCEDURE `tidy` ()   BEGIN\nDELETE FROM `orders` WHERE `note` = '$$;';\n\
             SELECT 1;\nEND",
            "CREATE TABLE `orders` (\n  `id` int(11) NOT NULL,\n  `note` varchar(200) DEFAULT NULL\n) ENGINE=InnoDB \
             DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
            "INSERT INTO `orders` (`id`, `note`) VALUES\n(1, 'it''s fine'),\n(2, 'semi; colon')",
            "COMMIT",
            "/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */",
        ];
        assert_eq!(
            got.iter()
                .map(|(_, text)| text.as_str())
                .collect::<Vec<_>>(),
            expected
        );
        for (line, text) in &got {
            let first_line = text.lines().next().unwrap_or_default();
            assert_eq!(*line, line_of(PHPMYADMIN_EXPORT, first_line), "{text}");
        }
    }

    const ADMINER_EXPORT: &str = "-- Adminer 4.8.1 MySQL 10.11.6-MariaDB-0+deb12u1 dump

SET NAMES utf8;
SET time_zone = '+00:00';
SET foreign_key_checks = 0;
SET sql_mode = 'NO_AUTO_VALUE_ON_ZERO';

SET NAMES utf8mb4;

DROP TABLE IF EXISTS `orders`;
CREATE TABLE `orders` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `note` varchar(200) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;


DELIMITER ;;

CREATE TRIGGER `orders_bi` BEFORE INSERT ON `orders` FOR EACH ROW
BEGIN
  SET NEW.note = CONCAT(NEW.note, ';');
  SET NEW.id = NEW.id + 1;
END;;

DELIMITER ;

INSERT INTO `orders` (`id`, `note`) VALUES
(1,\t'first'),
(2,\t'second');

-- 2024-06-01 12:00:00
";

    #[test]
    fn an_adminer_export_splits_like_the_client() {
        let got = statements(ADMINER_EXPORT);
        let expected = [
            "SET NAMES utf8",
            "SET time_zone = '+00:00'",
            "SET foreign_key_checks = 0",
            "SET sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
            "SET NAMES utf8mb4",
            "DROP TABLE IF EXISTS `orders`",
            "CREATE TABLE `orders` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `note` varchar(200) DEFAULT NULL,\n  \
             PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
            "CREATE TRIGGER `orders_bi` BEFORE INSERT ON `orders` FOR EACH ROW\nBEGIN\n  SET NEW.note = CONCAT(NEW.note, \
             ';');\n  SET NEW.id = NEW.id + 1;\nEND",
            "INSERT INTO `orders` (`id`, `note`) VALUES\n(1,\t'first'),\n(2,\t'second')",
        ];
        assert_eq!(
            got.iter()
                .map(|(_, text)| text.as_str())
                .collect::<Vec<_>>(),
            expected
        );
        assert_eq!(got[7].0, line_of(ADMINER_EXPORT, "CREATE TRIGGER"));
        assert_eq!(got[8].0, line_of(ADMINER_EXPORT, "INSERT INTO"));
    }

    // ---- delimiters -------------------------------------------------------------------------

    #[test]
    fn statements_on_one_line_are_separate_with_the_same_line() {
        assert_eq!(
            statements("\nCREATE TABLE t (id INT); INSERT INTO t VALUES (1);SELECT 1;\n"),
            [
                (2, "CREATE TABLE t (id INT)".into()),
                (2, "INSERT INTO t VALUES (1)".into()),
                (2, "SELECT 1".into())
            ]
        );
    }

    #[test]
    fn the_delimiter_command_changes_the_delimiter_and_is_no_statement() {
        let input = "DELIMITER $$\nSELECT 1; SELECT 2$$\ndelimiter //\nSELECT 3; SELECT 4//\nDeLiMiTeR ;\nSELECT 5;\n";
        assert_eq!(
            statements(input),
            [
                (2, "SELECT 1; SELECT 2".into()),
                (4, "SELECT 3; SELECT 4".into()),
                (6, "SELECT 5".into())
            ]
        );
    }

    #[test]
    fn a_multi_byte_delimiter_needs_all_its_bytes() {
        assert_eq!(
            texts("DELIMITER ;;\nSELECT ';;'; SELECT 2;;SELECT 3;\n;;"),
            ["SELECT ';;'; SELECT 2", "SELECT 3;"]
        );
        assert_eq!(
            texts("DELIMITER $$\nSELECT $a$ + 1$$ SELECT 2 $$"),
            ["SELECT $a$ + 1", "SELECT 2"]
        );
    }

    #[test]
    fn delimiters_match_case_sensitively_even_inside_words() {
        // As in the client, which looks for the delimiter at every byte of code.
        assert_eq!(
            texts("DELIMITER GO\nSELECT 1 go 2 GO SELECT ALGORITHM GO"),
            ["SELECT 1 go 2", "SELECT AL", "RITHM"]
        );
        assert_eq!(texts("DELIMITER GO\nSELECT GOAL GO"), ["SELECT", "AL"]);
    }

    #[test]
    fn the_delimiter_command_takes_one_token_and_ignores_the_rest_of_its_line() {
        assert_eq!(
            texts("DELIMITER ;; ignored words\nSELECT 1;;\n  delimiter\t;\t\nSELECT 2;"),
            ["SELECT 1", "SELECT 2"]
        );
        assert_eq!(
            texts("/* first */ -- and\n  DELIMITER ;;\nSELECT 1; SELECT 2;;"),
            ["SELECT 1; SELECT 2"]
        );
        // Without a token the client complains and keeps its delimiter.
        assert_eq!(
            texts("DELIMITER\nSELECT 1;\nDELIMITER   \nSELECT 2;"),
            ["SELECT 1", "SELECT 2"]
        );
        // At the end of the input, without a newline.
        assert_eq!(texts("SELECT 1;\nDELIMITER ;;"), ["SELECT 1"]);
    }

    #[test]
    fn delimiter_is_only_a_command_as_the_first_word() {
        assert_eq!(
            texts("SELECT 1 AS delimiter;\nSELECT delimiter FROM t;"),
            ["SELECT 1 AS delimiter", "SELECT delimiter FROM t"]
        );
        assert_eq!(texts("delimiters;"), ["delimiters"]);
    }

    #[test]
    fn a_delimiter_with_a_backslash_is_refused() {
        let (before, err) = error("SELECT 1;\nDELIMITER \\\\\nSELECT 2\\\\");
        assert_eq!(before, ["SELECT 1"]);
        assert!(
            matches!(err, ScriptError::ClientCommand { line: 2, ref command } if command == "DELIMITER \\\\")
        );
    }

    #[test]
    fn a_long_delimiter_is_cut_to_fifteen_bytes_like_the_client() {
        assert_eq!(
            texts("DELIMITER 0123456789abcdefXYZ\nSELECT 1 0123456789abcdeSELECT 2"),
            ["SELECT 1", "SELECT 2"]
        );
    }

    #[test]
    fn backslash_g_ends_a_statement() {
        assert_eq!(
            texts("SELECT 1\\g SELECT 2\\G\nSELECT 3\\g"),
            ["SELECT 1", "SELECT 2", "SELECT 3"]
        );
        assert_eq!(texts("\\g\\G;SELECT 1"), ["SELECT 1"]);
    }

    #[test]
    fn empty_statements_are_skipped() {
        assert_eq!(texts(";;\n ; ;\nSELECT 1;;;\n-- the end;\n"), ["SELECT 1"]);
        assert_eq!(
            texts("SELECT 1;\n/* trailing comment */\n# and another"),
            ["SELECT 1"]
        );
        assert!(texts("").is_empty());
        assert!(texts("  \n\t\r\n").is_empty());
        assert!(texts("-- only a comment").is_empty());
    }

    #[test]
    fn the_last_statement_needs_no_delimiter() {
        assert_eq!(
            statements("SELECT 1;\n\nSELECT 2\n  "),
            [(1, "SELECT 1".into()), (3, "SELECT 2".into())]
        );
        assert_eq!(texts("SELECT 'unterminated"), ["SELECT 'unterminated"]);
        // Blanks inside an unterminated string or comment are not trailing blanks.
        assert_eq!(texts("SELECT 'a \n"), ["SELECT 'a \n"]);
        assert_eq!(texts("SELECT 1 /* a \n"), ["SELECT 1 /* a \n"]);
        assert_eq!(texts("SELECT 1 -- a \n"), ["SELECT 1 -- a"]);
    }

    // ---- quotes -----------------------------------------------------------------------------

    #[test]
    fn strings_hide_delimiters_comments_and_backslash_commands() {
        let input = "INSERT INTO t VALUES ('a;b', 'it\\'s', 'x''y;', \"q\\\"; -- \", 'c # d', 'e /* f', '\\\\', '\\! no');\nSELECT 2;";
        assert_eq!(
            texts(input),
            [
                "INSERT INTO t VALUES ('a;b', 'it\\'s', 'x''y;', \"q\\\"; -- \", 'c # d', 'e /* f', '\\\\', '\\! no')",
                "SELECT 2"
            ]
        );
    }

    #[test]
    fn an_escaped_backslash_does_not_escape_the_closing_quote() {
        assert_eq!(
            texts("SELECT 'a\\\\'; SELECT 2;"),
            ["SELECT 'a\\\\'", "SELECT 2"]
        );
        assert_eq!(
            texts("SELECT \"a\"\"b;\"; SELECT 2;"),
            ["SELECT \"a\"\"b;\"", "SELECT 2"]
        );
    }

    #[test]
    fn backticks_double_their_quote_and_know_no_backslash() {
        assert_eq!(
            texts("SELECT `a;b``c\\`; SELECT 2;"),
            ["SELECT `a;b``c\\`", "SELECT 2"]
        );
        assert_eq!(
            texts("SELECT `\\` FROM t; SELECT `'`;"),
            ["SELECT `\\` FROM t", "SELECT `'`"]
        );
    }

    #[test]
    fn lines_are_counted_through_strings_comments_and_escapes() {
        let input = "SELECT 'a\nb\\\nc';\nSELECT `x\ny`, \"p\nq\";\n/* one\ntwo */ SELECT 3 # c\n;\n-- x\nSELECT 4;";
        assert_eq!(
            statements(input),
            [
                (1, "SELECT 'a\nb\\\nc'".into()),
                (4, "SELECT `x\ny`, \"p\nq\"".into()),
                (8, "SELECT 3 # c".into()),
                (11, "SELECT 4".into())
            ]
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_pass_through() {
        let input = b"INSERT INTO t VALUES ('caf\xe9', '\x00\xff\x27\x27;', _binary '\\'\x80\\\\');\nSELECT \xe9t\xe9;";
        let (statements, error) = split_every_way(input, NO_LIMIT);
        assert!(error.is_none());
        assert_eq!(
            statements[0].text,
            &input[..input.iter().position(|&b| b == b'\n').unwrap() - 1]
        );
        assert_eq!(
            statements[1],
            Statement {
                text: b"SELECT \xe9t\xe9".to_vec(),
                line: 2
            }
        );
    }

    // ---- comments ---------------------------------------------------------------------------

    #[test]
    fn leading_comments_are_stripped_and_the_line_is_the_first_token() {
        let input = "-- a\n# b;\n/* c; */ /* d\n*/\n\n  SELECT /* kept */ 1 -- kept too\n, 2;";
        assert_eq!(
            statements(input),
            [(6, "SELECT /* kept */ 1 -- kept too\n, 2".into())]
        );
    }

    #[test]
    fn dash_dash_needs_whitespace_inside_a_statement() {
        assert_eq!(
            texts("SELECT 1--1;\nSELECT 2 --\t;\n;"),
            ["SELECT 1--1", "SELECT 2 --\t;"]
        );
        assert_eq!(texts("SELECT 3 --"), ["SELECT 3 --"]);
        assert_eq!(texts("SELECT 4 -- ;\n;"), ["SELECT 4 -- ;"]);
    }

    #[test]
    fn dash_dash_starts_a_comment_before_a_statement_like_in_the_client() {
        assert_eq!(
            statements("--------------\n--x;\nSELECT 1;"),
            [(3, "SELECT 1".into())]
        );
        assert_eq!(texts("SELECT 1;--x;\nSELECT 2;"), ["SELECT 1", "SELECT 2"]);
    }

    #[test]
    fn comments_hide_delimiters_and_quotes() {
        assert_eq!(
            texts("SELECT 1 /* ; ' \" ` */ + 1;\nSELECT 2 # ; '\n;"),
            ["SELECT 1 /* ; ' \" ` */ + 1", "SELECT 2 # ; '"]
        );
        assert_eq!(texts("SELECT 2 * /**/ 3;"), ["SELECT 2 * /**/ 3"]);
        assert_eq!(
            texts("SELECT 6 / 3; SELECT 4*/2;"),
            ["SELECT 6 / 3", "SELECT 4*/2"]
        );
    }

    #[test]
    fn conditional_comments_are_code() {
        assert_eq!(
            texts("/*!40101 SET a = ';' */;"),
            ["/*!40101 SET a = ';' */"]
        );
        // The delimiter inside one ends the statement, as in the client.
        assert_eq!(
            texts("/*!40101 SET a = 1; SET b = 2 */;"),
            ["/*!40101 SET a = 1", "SET b = 2 */"]
        );
        assert_eq!(
            texts("/*! SET a = 1 */; /*M!100100 SET b = 2 */;"),
            ["/*! SET a = 1 */", "/*M!100100 SET b = 2 */"]
        );
        assert_eq!(
            statements("\n  /*!40101 SET x = 1 */ ;"),
            [(2, "/*!40101 SET x = 1 */".into())]
        );
    }

    #[test]
    fn the_sandbox_line_of_mariadb_dump_is_an_ordinary_comment() {
        assert_eq!(
            statements("/*M!999999\\- enable the sandbox mode */ \nSELECT 1;"),
            [(2, "SELECT 1".into())]
        );
        assert_eq!(texts("/*!999999\\- also */SELECT 1;"), ["SELECT 1"]);
        assert_eq!(
            texts("SELECT 1 /*M!999999\\- x; */;"),
            ["SELECT 1 /*M!999999\\- x; */"]
        );
    }

    // ---- client commands --------------------------------------------------------------------

    #[test]
    fn backslash_commands_are_refused_with_their_line() {
        for (input, line, command) in [
            ("\\! rm -rf /\n", 1, "\\!"),
            ("SELECT 1;\n\\e\n", 2, "\\e"),
            ("\n\n\\. /etc/passwd\n", 3, "\\."),
            ("SELECT 1;\n\\T /tmp/out\n", 2, "\\T"),
            ("\\P less\n", 1, "\\P"),
            ("\\r other-host\n", 1, "\\r"),
            ("\\u mysql\n", 1, "\\u"),
            ("\\q", 1, "\\q"),
            ("\\C latin1", 1, "\\C"),
            ("\\d ;;\n", 1, "\\d"),
            ("\\h", 1, "\\h"),
            ("\\x", 1, "\\x"),
            ("SELECT 1 \\", 1, "\\"),
            ("SELECT 1 \\\n;", 1, "\\"),
        ] {
            assert_eq!(
                client_command(input),
                (line, command.to_string()),
                "{input:?}"
            );
        }
    }

    #[test]
    fn a_backslash_command_after_a_statement_on_the_same_line_is_refused_after_it() {
        let (before, err) = error("SELECT 1; \\! id\n");
        assert_eq!(before, ["SELECT 1"]);
        assert!(
            matches!(err, ScriptError::ClientCommand { line: 1, ref command } if command == "\\!")
        );
        let (before, err) = error("SELECT 1;\nSELECT 2 \\! id\n;");
        assert_eq!(before, ["SELECT 1"]);
        assert!(matches!(err, ScriptError::ClientCommand { line: 2, .. }));
    }

    #[test]
    fn backslash_commands_inside_conditional_comments_are_refused_but_not_in_plain_ones() {
        assert_eq!(client_command("SELECT 1 /*! \\! id */;"), (1, "\\!".into()));
        assert_eq!(
            texts("SELECT 1 /* \\! id */; # \\! id\nSELECT 2 -- \\!\n;"),
            ["SELECT 1 /* \\! id */", "SELECT 2 -- \\!"]
        );
    }

    #[test]
    fn backslash_n_is_null() {
        assert_eq!(
            texts("INSERT INTO t VALUES (\\N, 1);\\N;"),
            ["INSERT INTO t VALUES (\\N, 1)", "\\N"]
        );
    }

    #[test]
    fn written_out_client_commands_are_refused_as_first_word() {
        for (input, line, command) in [
            ("system ls", 1, "system"),
            ("SELECT 1;\nsource /etc/passwd;\n", 2, "source"),
            ("SELECT 1;\n\nconnect otherdb otherhost\n", 3, "connect"),
            ("pager less\n", 1, "pager"),
            ("-- c\n/* c */ SYSTEM\tid\n", 2, "SYSTEM"),
            ("SELECT 1; tee /tmp/x\n", 1, "tee"),
            ("quit", 1, "quit"),
            ("? contents", 1, "?"),
            ("?;", 1, "?"),
            ("DELIMITER $$\nexit$$", 2, "exit"),
            ("DELIMITER ;;\nprompt;\n", 2, "prompt"),
        ] {
            assert_eq!(
                client_command(input),
                (line, command.to_string()),
                "{input:?}"
            );
        }
        for command in CLIENT_COMMANDS {
            let command = std::str::from_utf8(command).unwrap();
            assert_eq!(
                client_command(&format!("SELECT 1;\n{command}\n")),
                (2, command.to_string())
            );
            assert_eq!(
                client_command(&format!("{} x;", command.to_uppercase())),
                (1, command.to_uppercase())
            );
        }
    }

    #[test]
    fn client_command_names_elsewhere_are_sql() {
        assert_eq!(
            texts(
                "SELECT status, source, system FROM t;\nstatus_log;\nUPDATE t SET quit = 1;\nsystems ;\nSELECT ?;"
            ),
            [
                "SELECT status, source, system FROM t",
                "status_log",
                "UPDATE t SET quit = 1",
                "systems",
                "SELECT ?"
            ]
        );
        assert_eq!(texts("`source` ;"), ["`source`"]);
        assert_eq!(texts("sources(1);"), ["sources(1)"]);
        assert_eq!(texts("?x;"), ["?x"]);
    }

    #[test]
    fn help_is_a_server_statement() {
        assert_eq!(
            texts("help 'contents';\nHELP;"),
            ["help 'contents'", "HELP"]
        );
    }

    #[test]
    fn use_ends_at_the_end_of_its_line_or_at_the_delimiter() {
        assert_eq!(
            statements(
                "use shop\nSELECT 1;\nUSE `other;db`;SELECT 2;\n  use x -- comment\nSELECT 3"
            ),
            [
                (1, "use shop".into()),
                (2, "SELECT 1".into()),
                (3, "USE `other;db`".into()),
                (3, "SELECT 2".into()),
                (4, "use x -- comment".into()),
                (5, "SELECT 3".into())
            ]
        );
        assert_eq!(texts("use shop\r\nSELECT 1;"), ["use shop", "SELECT 1"]);
        assert_eq!(
            texts("DELIMITER ;;\nuse shop\nSELECT 1;;"),
            ["use shop", "SELECT 1"]
        );
        // Not as a later word.
        assert_eq!(
            texts("SELECT 1 AS use\nFROM t;"),
            ["SELECT 1 AS use\nFROM t"]
        );
    }

    // ---- LOAD DATA LOCAL --------------------------------------------------------------------

    #[test]
    fn load_data_local_is_refused() {
        for (input, line) in [
            ("LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t;", 1),
            ("SELECT 1;\n\nload data local infile 'x' into table t;", 3),
            ("LOAD XML LOCAL INFILE 'x.xml' INTO TABLE t;", 1),
            ("LOAD DATA LOW_PRIORITY LOCAL INFILE 'x' INTO TABLE t;", 1),
            ("LOAD DATA CONCURRENT LOCAL INFILE 'x' INTO TABLE t;", 1),
            ("/*!50000 LOAD DATA LOCAL INFILE 'x' INTO TABLE t */;", 1),
            ("LOAD /*!50000 DATA */ LOCAL INFILE 'x' INTO TABLE t;", 1),
            ("LOAD DATA /*!LOCAL*/ INFILE 'x' INTO TABLE t;", 1),
            ("LOAD\n  DATA -- c\n  LOCAL INFILE 'x' INTO TABLE t;", 1),
            (
                "DELIMITER ;;\nSELECT 1; LOAD DATA LOCAL INFILE 'x' INTO TABLE t;;",
                2,
            ),
            (
                "DELIMITER ;;\nCREATE PROCEDURE p() BEGIN\n SELECT 1;\n LOAD DATA LOCAL INFILE 'x' INTO TABLE t;\nEND;;",
                2,
            ),
        ] {
            assert_eq!(local_infile_line(input), line, "{input:?}");
        }
    }

    #[test]
    fn load_data_without_local_and_lookalikes_are_sql() {
        assert_eq!(
            texts(
                "SELECT load, local FROM t;\nSELECT 'LOAD DATA LOCAL INFILE';\n/* LOAD DATA LOCAL */ SELECT 1;\n\
                 LOAD DATA INFILE 'x' INTO TABLE t;\nSELECT load, data, local FROM t;\nSELECT `load` `data` `local`;\n\
                 SELECT load_data_local;"
            ),
            [
                "SELECT load, local FROM t",
                "SELECT 'LOAD DATA LOCAL INFILE'",
                "SELECT 1",
                "LOAD DATA INFILE 'x' INTO TABLE t",
                "SELECT load, data, local FROM t",
                "SELECT `load` `data` `local`",
                "SELECT load_data_local",
            ]
        );
        // The words of one statement do not run into the next.
        assert_eq!(
            texts("SELECT 1 AS load;\nDATA LOCAL;"),
            ["SELECT 1 AS load", "DATA LOCAL"]
        );
    }

    // ---- input forms ------------------------------------------------------------------------

    #[test]
    fn crlf_line_endings_work() {
        let input = "-- header\r\nDELIMITER ;;\r\nSELECT 1; SELECT 2;;\r\nDELIMITER ;\r\nSELECT 'a\r\nb';\r\nSELECT 3 -- c\r\n;\r\n";
        assert_eq!(
            statements(input),
            [
                (3, "SELECT 1; SELECT 2".into()),
                (5, "SELECT 'a\r\nb'".into()),
                (7, "SELECT 3 -- c".into())
            ]
        );
    }

    #[test]
    fn a_bom_at_the_start_is_skipped() {
        assert_eq!(
            statements_of_bytes(b"\xEF\xBB\xBFSELECT 1;"),
            [(1, "SELECT 1".into())]
        );
        let (_, error) = split_every_way(b"\xEF\xBB\xBFsource x", NO_LIMIT);
        assert!(
            matches!(error, Some(ScriptError::ClientCommand { line: 1, ref command }) if command == "source")
        );
        // Elsewhere it is text like any other.
        assert_eq!(
            statements_of_bytes(b"SELECT 1;\xEF\xBB\xBF"),
            [(1, "SELECT 1".into()), (1, "\u{feff}".into())]
        );
    }

    // ---- limits -----------------------------------------------------------------------------

    #[test]
    fn statements_up_to_the_limit_pass_and_longer_ones_do_not() {
        let fits = "SELECT 'abcdefghij'"; // 19 bytes
        for input in [
            format!("{fits};"),
            format!("{fits}   \n  ;"),
            format!("\n\n{fits}"),
            format!("-- c\n{fits}\t\n"),
        ] {
            let (statements, error) = split_every_way(input.as_bytes(), 19);
            assert!(error.is_none(), "{input:?}: {error:?}");
            assert_eq!(statements[0].text, fits.as_bytes());
        }
        for input in [
            "SELECT 'abcdefghijk';",
            "SELECT 1;\n\nSELECT 'abcdefghijk'",
            "SELECT 1;\nSELECT 'abcdefghij' x;",
        ] {
            let (_, error) = split_every_way(input.as_bytes(), 19);
            let line = input.matches('\n').count() as u64 + 1;
            assert!(
                matches!(error, Some(ScriptError::TooLong { line: l, limit: 19 }) if l == line),
                "{input:?}: {error:?}"
            );
        }
    }

    /// Bytes of `head`, then `fill` for ever, counting what was read.
    struct Endless {
        head: Vec<u8>,
        fill: u8,
        served: usize,
    }

    impl Read for Endless {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = if self.served < self.head.len() {
                let n = out.len().min(self.head.len() - self.served);
                out[..n].copy_from_slice(&self.head[self.served..self.served + n]);
                n
            } else {
                out.fill(self.fill);
                out.len()
            };
            self.served += n;
            Ok(n)
        }
    }

    #[test]
    fn an_endless_statement_ends_in_too_long_after_about_the_limit() {
        const LIMIT: usize = 64 * 1024;
        const CHUNK: usize = 8 * 1024;
        for (head, fill, line) in [
            ("SELECT '", b'a', 1),
            ("", b'a', 1),
            ("INSERT INTO t VALUES ", b'(', 1),
            ("SELECT 1 /* ", b'x', 1),
            ("SELECT 1 -- ", b'x', 1),
            ("SELECT `", b'x', 1),
            ("SELECT 1;\n\n/*!40101 ", b'7', 3),
            ("DELIMITER ", b'$', 1),
            ("SELECT 1;\nSELECT 'a", b'\n', 2),
        ] {
            let mut input = Endless {
                head: head.as_bytes().to_vec(),
                fill,
                served: 0,
            };
            let mut splitter = Splitter::new(BufReader::with_capacity(CHUNK, &mut input), LIMIT);
            let result = loop {
                match splitter.next_statement() {
                    Ok(Some(_)) => continue,
                    other => break other,
                }
            };
            assert!(
                matches!(result, Err(ScriptError::TooLong { line: l, limit: LIMIT }) if l == line),
                "{head:?}: {result:?}"
            );
            assert!(
                splitter.buf.capacity() <= LIMIT + CHUNK + LOOKAHEAD_SLACK,
                "{head:?}: buffer of {}",
                splitter.buf.capacity()
            );
            drop(splitter);
            assert!(
                input.served <= LIMIT + 2 * CHUNK,
                "{head:?}: read {} bytes",
                input.served
            );
        }
    }

    #[test]
    fn blanks_after_a_statement_do_not_count_and_are_not_kept() {
        const LIMIT: usize = 1024;
        let blanks = " \n\t".repeat(100_000);
        for chunk in [1, 7, 4096] {
            let input = format!("SELECT 1{blanks};SELECT 2");
            let mut splitter =
                Splitter::new(BufReader::with_capacity(chunk, input.as_bytes()), LIMIT);
            let first = splitter.next_statement().unwrap().unwrap();
            assert_eq!((first.text.as_slice(), first.line), (&b"SELECT 1"[..], 1));
            assert!(
                splitter.buf.capacity() <= LIMIT + chunk + LOOKAHEAD_SLACK,
                "buffer of {}",
                splitter.buf.capacity()
            );
            let second = splitter.next_statement().unwrap().unwrap();
            assert_eq!(
                (second.text.as_slice(), second.line),
                (&b"SELECT 2"[..], 100_001)
            );

            let input = format!("SELECT 1{blanks}+ 1;");
            let mut splitter =
                Splitter::new(BufReader::with_capacity(chunk, input.as_bytes()), LIMIT);
            assert!(matches!(
                splitter.next_statement(),
                Err(ScriptError::TooLong {
                    line: 1,
                    limit: LIMIT
                })
            ));
        }
    }

    #[test]
    fn long_comments_between_statements_are_not_kept() {
        let input = format!(
            "-- {}\n/* {} */\nSELECT 1;",
            "x".repeat(1 << 20),
            "y".repeat(1 << 20)
        );
        let mut splitter = Splitter::new(BufReader::with_capacity(4096, input.as_bytes()), 100);
        assert_eq!(
            splitter.next_statement().unwrap().unwrap(),
            Statement {
                text: b"SELECT 1".to_vec(),
                line: 3
            }
        );
        assert!(
            splitter.buf.capacity() <= 64 * 1024,
            "buffer of {}",
            splitter.buf.capacity()
        );
    }

    // ---- reading ----------------------------------------------------------------------------

    /// `data`, then `error` (once, if interrupted).
    struct Failing {
        data: Cursor<Vec<u8>>,
        error: Option<io::ErrorKind>,
    }

    impl Read for Failing {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.data.read(out)?;
            if n > 0 {
                return Ok(n);
            }
            match self.error {
                Some(io::ErrorKind::Interrupted) => {
                    self.error = None;
                    Err(io::ErrorKind::Interrupted.into())
                }
                Some(kind) => Err(io::Error::new(kind, "corrupt deflate stream")),
                None => Ok(0),
            }
        }
    }

    #[test]
    fn read_errors_are_passed_on() {
        let input = Failing {
            data: Cursor::new(b"SELECT 1; SELECT".to_vec()),
            error: Some(io::ErrorKind::InvalidData),
        };
        let mut splitter = Splitter::new(BufReader::with_capacity(4, input), NO_LIMIT);
        assert_eq!(
            splitter.next_statement().unwrap().unwrap().text,
            b"SELECT 1"
        );
        match splitter.next_statement() {
            Err(ScriptError::Read(err)) => assert_eq!(err.kind(), io::ErrorKind::InvalidData),
            other => panic!("{other:?}"),
        }
        assert!(splitter.next_statement().unwrap().is_none());
    }

    #[test]
    fn interrupted_reads_are_retried() {
        let input = Failing {
            data: Cursor::new(b"SELECT 1; SELECT 2".to_vec()),
            error: Some(io::ErrorKind::Interrupted),
        };
        let mut splitter = Splitter::new(BufReader::with_capacity(3, input), NO_LIMIT);
        assert_eq!(
            splitter.next_statement().unwrap().unwrap().text,
            b"SELECT 1"
        );
        assert_eq!(
            splitter.next_statement().unwrap().unwrap().text,
            b"SELECT 2"
        );
        assert!(splitter.next_statement().unwrap().is_none());
    }

    // ---- messages ---------------------------------------------------------------------------

    #[test]
    fn errors_say_what_and_where() {
        assert!(
            !ScriptError::LocalInfile { line: 3 }
                .reason()
                .contains("Line"),
            "the job reports the line on its own"
        );
        let command = ScriptError::ClientCommand {
            line: 12,
            command: "\\!".into(),
        };
        assert_eq!(
            command.to_string(),
            "Line 12: `\\!` is a command of the mariadb command-line client, not SQL. The panel runs SQL statements \
             only; remove it from the file."
        );
        assert_eq!(
            ScriptError::LocalInfile { line: 3 }.to_string(),
            "Line 3: LOAD DATA LOCAL INFILE reads files from the machine that runs the import; the panel reads no \
             files. Load the rows with INSERT statements instead."
        );
        assert_eq!(
            ScriptError::TooLong {
                line: 40,
                limit: 16 << 20
            }
            .to_string(),
            "Line 40: This statement is longer than the server's max_allowed_packet (16 MiB); it cannot be sent."
        );
        assert!(
            ScriptError::TooLong {
                line: 1,
                limit: 1 << 30
            }
            .to_string()
            .contains("(1 GiB)")
        );
        assert!(
            ScriptError::TooLong {
                line: 1,
                limit: 1000
            }
            .to_string()
            .contains("(1000 bytes)")
        );
        let read = ScriptError::Read(io::Error::other("bad gzip"));
        assert_eq!(read.to_string(), "The file could not be read: bad gzip");
        assert_eq!(
            (
                command.line(),
                ScriptError::LocalInfile { line: 3 }.line(),
                read.line()
            ),
            (Some(12), Some(3), None)
        );
        assert!(std::error::Error::source(&read).is_some());
    }

    // ---- properties -------------------------------------------------------------------------

    /// A quoted string or identifier holding delimiters, comment markers, escapes and newlines.
    fn quoted() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec!['\'', '"', '`']),
            prop::collection::vec(0..12u8, 0..8),
        )
            .prop_map(|(quote, pieces)| {
                let other = if quote == '\'' { '"' } else { '\'' };
                let mut text = quote.to_string();
                for piece in pieces {
                    match piece {
                        0 => text.push_str("a b"),
                        1 => text.push(';'),
                        2 => text.push_str(";;$$//"),
                        3 => text.push_str("-- "),
                        4 => text.push('#'),
                        5 => text.push_str("/*"),
                        6 => text.push('\n'),
                        7 => text.extend([quote, quote]),
                        // A backslash: escaped where it escapes.
                        8 if quote == '`' => text.push('\\'),
                        8 => text.push_str("\\\\"),
                        // An escaped quote (in backticks, a doubled one).
                        9 if quote == '`' => text.push_str("``"),
                        9 => text.extend(['\\', quote]),
                        10 => text.push(other),
                        _ => text.push_str("\\! LOAD DATA LOCAL"),
                    }
                }
                text.push(quote);
                text
            })
    }

    /// Any token of a statement but its first, never one that ends in whitespace.
    fn token() -> impl Strategy<Value = String> {
        let words = [
            "x",
            "t1",
            "NULL",
            "load",
            "data",
            "xml",
            "low_priority",
            "42",
            "3.14",
            "é",
            "$x",
            "help",
            "use",
        ];
        let more_words = ["status", "source", "delimiter", "system", "quit"];
        let punctuation = [
            "(", ")", ",", "=", "*", "-", "/", "@", ".", "--1", "-1", "?", "\\N", "!", "%", "<>",
        ];
        let conditional = [
            "/*!40101 SET x=1 */",
            "/*M!100100 y */",
            "/*!*/",
            "/*!50003 'a;' */",
        ];
        prop_oneof![
            prop::sample::select(words.to_vec()).prop_map(String::from),
            prop::sample::select(more_words.to_vec()).prop_map(String::from),
            prop::sample::select(punctuation.to_vec()).prop_map(String::from),
            prop::sample::select(conditional.to_vec()).prop_map(String::from),
            quoted(),
        ]
    }

    /// Whitespace and comments inside a statement.
    fn inner_gap() -> impl Strategy<Value = String> {
        let gaps = [
            " ",
            "\n",
            "\t",
            "  ",
            "\r\n",
            " /* c;'\" */ ",
            " -- c;'\n",
            " # c;\n",
            " /*M!999999\\- s */ ",
        ];
        prop::sample::select(gaps.to_vec()).prop_map(String::from)
    }

    fn statement() -> impl Strategy<Value = String> {
        let first = [
            "SELECT",
            "insert",
            "Update",
            "CALL",
            "SET",
            "create",
            "`t`",
            "'s'",
            "(",
            "/*!40101 SET a=1 */",
        ];
        (
            prop::sample::select(first.to_vec()),
            prop::collection::vec((inner_gap(), token()), 0..6),
        )
            .prop_map(|(first, rest)| {
                let mut text = first.to_string();
                for (gap, token) in rest {
                    text.push_str(&gap);
                    text.push_str(&token);
                }
                text
            })
    }

    /// Whitespace, comments and empty statements between statements (`D` stands for the delimiter).
    fn outer_gap() -> impl Strategy<Value = Vec<&'static str>> {
        let gaps = [
            "",
            " ",
            "\n",
            "\r\n",
            "\t",
            "-- c;\n",
            "#x;\n",
            "/* c; */",
            "/*M!999999\\- sandbox */\n",
            "--x\n",
            "D",
        ];
        prop::collection::vec(prop::sample::select(gaps.to_vec()), 0..4)
    }

    #[derive(Debug, Clone)]
    struct Script {
        input: Vec<u8>,
        expected: Vec<Statement>,
    }

    fn script() -> impl Strategy<Value = Script> {
        let delimiters = [";", ";;", "$$"];
        let afters = ["", "\n", " ", "\r\n", "\n\n"];
        (
            any::<bool>(),
            prop::sample::select(delimiters.to_vec()),
            prop::collection::vec(
                (
                    outer_gap(),
                    statement(),
                    prop::sample::select(afters.to_vec()),
                ),
                0..8,
            ),
            any::<bool>(),
        )
            .prop_map(|(bom, delimiter, statements, last_has_delimiter)| {
                let mut input = String::new();
                if bom {
                    input.push('\u{feff}');
                }
                if delimiter != ";" {
                    input.push_str(&format!("DELIMITER {delimiter}\n"));
                }
                let mut expected = Vec::new();
                let count = statements.len();
                for (i, (gaps, text, after)) in statements.into_iter().enumerate() {
                    for gap in gaps {
                        input.push_str(if gap == "D" { delimiter } else { gap });
                    }
                    let line = 1 + input.matches('\n').count() as u64;
                    input.push_str(&text);
                    expected.push(Statement {
                        text: text.into_bytes(),
                        line,
                    });
                    if i + 1 < count || last_has_delimiter {
                        input.push_str(delimiter);
                        input.push_str(after);
                    }
                }
                Script {
                    input: input.into_bytes(),
                    expected,
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn generated_scripts_split_into_their_statements(script in script(), chunk in 1..=7usize) {
            let whole = split_in_chunks(&script.input, script.input.len().max(1), NO_LIMIT);
            prop_assert!(whole.1.is_none(), "{:?}", whole.1);
            prop_assert_eq!(&whole.0, &script.expected);
            let chunked = split_in_chunks(&script.input, chunk, NO_LIMIT);
            prop_assert!(chunked.1.is_none(), "{:?}", chunked.1);
            prop_assert_eq!(&chunked.0, &script.expected);
        }

        /// Whatever the bytes, how the reader cuts them never changes the statements or the error.
        #[test]
        fn chunk_boundaries_never_change_the_result(
            pieces in prop::collection::vec(prop::sample::select(SOUP.to_vec()), 0..40),
            chunk in 1..=7usize,
        ) {
            let input: Vec<u8> = pieces.concat();
            let whole = split_in_chunks(&input, input.len().max(1), NO_LIMIT);
            let chunked = split_in_chunks(&input, chunk, NO_LIMIT);
            prop_assert_eq!(&chunked.0, &whole.0);
            prop_assert_eq!(format!("{:?}", chunked.1), format!("{:?}", whole.1));
        }

        /// With a small limit: the same statements before the first error, and the same errors but
        /// where a statement is too long (it may be noticed before or after another error in it).
        #[test]
        fn chunk_boundaries_never_change_what_is_too_long(
            pieces in prop::collection::vec(prop::sample::select(SOUP.to_vec()), 0..40),
            chunk in 1..=7usize,
            max in 1..40usize,
        ) {
            let input: Vec<u8> = pieces.concat();
            let whole = split_in_chunks(&input, input.len().max(1), max);
            let chunked = split_in_chunks(&input, chunk, max);
            prop_assert_eq!(&chunked.0, &whole.0);
            for statement in &whole.0 {
                prop_assert!(statement.text.len() <= max);
            }
            let too_long = |error: &Option<ScriptError>| matches!(error, Some(ScriptError::TooLong { .. }));
            if !too_long(&whole.1) && !too_long(&chunked.1) {
                prop_assert_eq!(format!("{:?}", chunked.1), format!("{:?}", whole.1));
            } else {
                prop_assert_eq!(whole.1.is_some(), chunked.1.is_some());
            }
        }
    }

    /// Pieces of SQL and of the client's syntax, for random inputs.
    const SOUP: &[&[u8]] = &[
        b"a",
        b"load ",
        b"data ",
        b"local",
        b"xml",
        b" ",
        b"\n",
        b"\r\n",
        b"\t",
        b";",
        b";;",
        b"$$",
        b"//",
        b"'",
        b"\"",
        b"`",
        b"\\",
        b"\\g",
        b"\\N",
        b"\\'",
        b"-",
        b"--",
        b"-- ",
        b"#",
        b"/*",
        b"*/",
        b"/*!",
        b"/*M!",
        b"999999",
        b"40101",
        b"/*M!999999",
        b"DELIMITER ;;\n",
        b"delimiter $$\n",
        b"DELIMITER //\n",
        b"DELIMITER ;\n",
        b"use db",
        b"quit",
        b"?",
        b"help",
        b"\xEF\xBB\xBF",
        b"\xe9",
        b"\xff",
        b"\x00",
        b"SELECT 1",
        b"*",
        b"M",
        b"!",
        b"g",
    ];
}
