//! The input side of `batch`: lines read within a byte bound, and the
//! `{"id", "text"}` document each holds.

use std::io::{self, BufRead};

use serde::Deserialize;

/// One input line as read: its number, where it ends in the input, and its
/// content (or why it has none).
pub struct Line {
    pub number: usize,
    pub end_offset: u64,
    pub content: Result<String, String>,
}

/// Reads lines without ever holding more than `max_bytes` of one: a longer
/// line is consumed and reported, not buffered.
pub struct LineReader<R> {
    reader: R,
    max_bytes: usize,
    number: usize,
    offset: u64,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(reader: R, max_bytes: usize) -> Self {
        LineReader {
            reader,
            max_bytes,
            number: 0,
            offset: 0,
        }
    }

    /// Bytes consumed so far, up to the end of the last line read.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next non-blank line, or `None` at the end of the input.
    pub fn next_line(&mut self) -> io::Result<Option<Line>> {
        loop {
            let mut bytes = Vec::new();
            let mut length = 0usize;
            let mut seen_any = false;
            loop {
                let available = self.reader.fill_buf()?;
                if available.is_empty() {
                    break;
                }
                seen_any = true;
                let newline = memchr::memchr(b'\n', available);
                let piece = &available[..newline.unwrap_or(available.len())];
                length += piece.len();
                if length <= self.max_bytes {
                    bytes.extend_from_slice(piece);
                } else {
                    bytes = Vec::new();
                }
                let consumed = piece.len() + usize::from(newline.is_some());
                self.reader.consume(consumed);
                self.offset += consumed as u64;
                if newline.is_some() {
                    break;
                }
            }
            if !seen_any {
                return Ok(None);
            }
            self.number += 1;
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
                length -= 1;
            }
            let content = if length > self.max_bytes {
                Err(format!(
                    "line is {length} bytes, over the limit of {} (--max-line-bytes)",
                    self.max_bytes
                ))
            } else {
                match String::from_utf8(bytes) {
                    Ok(text) if text.trim().is_empty() => continue,
                    Ok(text) => Ok(text),
                    Err(error) => Err(format!("not UTF-8: {}", error.utf8_error())),
                }
            };
            return Ok(Some(Line {
                number: self.number,
                end_offset: self.offset,
                content,
            }));
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InputDocument {
    #[serde(default)]
    id: serde_json::Value,
    text: String,
}

/// A document with other fields beside it (a corpus often carries a date or
/// a source beside the text), for readers that only look.
#[derive(Deserialize)]
struct OpenDocument {
    #[serde(default)]
    id: serde_json::Value,
    text: String,
}

/// A parsed input line: the caller's id (a string; other JSON values are kept
/// as their JSON text) and the text.
pub(super) fn parse_document(line: &str) -> Result<(String, String), String> {
    let document: InputDocument = serde_json::from_str(line).map_err(not_a_document)?;
    Ok((id_text(document.id), document.text))
}

/// `parse_document`, other fields ignored.
pub(crate) fn parse_document_among_fields(line: &str) -> Result<(String, String), String> {
    let document: OpenDocument = serde_json::from_str(line).map_err(not_a_document)?;
    Ok((id_text(document.id), document.text))
}

fn not_a_document(error: serde_json::Error) -> String {
    format!("not a {{\"id\", \"text\"}} JSON object: {error}")
}

fn id_text(id: serde_json::Value) -> String {
    match id {
        serde_json::Value::String(id) => id,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads all of `input` with a tiny buffer, so lines span many reads.
    fn read_all(input: &[u8], max_bytes: usize) -> Vec<(usize, u64, Result<String, String>)> {
        let mut reader = LineReader::new(io::BufReader::with_capacity(3, input), max_bytes);
        let mut lines = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            lines.push((line.number, line.end_offset, line.content));
        }
        lines
    }

    #[test]
    fn lines_are_numbered_bounded_and_checked() {
        type Want = &'static [(usize, u64, Result<&'static str, &'static str>)];
        // (name, input, max line bytes, lines)
        let cases: [(&str, &[u8], usize, Want); 7] = [
            ("empty input", b"", 10, &[]),
            (
                "no final newline",
                b"ab\ncd",
                10,
                &[(1, 3, Ok("ab")), (2, 5, Ok("cd"))],
            ),
            (
                "CRLF",
                b"ab\r\ncd\r\n",
                10,
                &[(1, 4, Ok("ab")), (2, 8, Ok("cd"))],
            ),
            (
                "blank lines are skipped but counted",
                b"\n  \nab\n",
                10,
                &[(3, 7, Ok("ab"))],
            ),
            (
                "a line over the limit is reported, the next one read",
                b"abcdefghijkl\nab\n",
                10,
                &[
                    (
                        1,
                        13,
                        Err("line is 12 bytes, over the limit of 10 (--max-line-bytes)"),
                    ),
                    (2, 16, Ok("ab")),
                ],
            ),
            (
                "exactly the limit",
                b"abcdefghij\n",
                10,
                &[(1, 11, Ok("abcdefghij"))],
            ),
            (
                "invalid UTF-8",
                b"a\xffb\nok\n",
                10,
                &[
                    (
                        1,
                        4,
                        Err("not UTF-8: invalid utf-8 sequence of 1 bytes from index 1"),
                    ),
                    (2, 7, Ok("ok")),
                ],
            ),
        ];
        for (name, input, max_bytes, want) in cases {
            let got = read_all(input, max_bytes);
            let want: Vec<(usize, u64, Result<String, String>)> = want
                .iter()
                .map(|(n, o, c)| (*n, *o, c.map(str::to_string).map_err(str::to_string)))
                .collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn ids_of_any_json_type_become_strings() {
        let cases = [
            (r#"{"id": "a", "text": "t"}"#, Ok(("a", "t"))),
            (r#"{"id": 7, "text": "t"}"#, Ok(("7", "t"))),
            (r#"{"text": "t"}"#, Ok(("", "t"))),
            (r#"{"id": "a"}"#, Err("missing field `text`")),
            (r#"["t"]"#, Err("not a {\"id\", \"text\"} JSON object")),
        ];
        for (line, want) in cases {
            match (parse_document(line), want) {
                (Ok((id, text)), Ok((want_id, want_text))) => {
                    assert_eq!((id.as_str(), text.as_str()), (want_id, want_text), "{line}")
                }
                (Err(message), Err(want)) => assert!(message.contains(want), "{line}: {message}"),
                (got, want) => panic!("{line}: got {got:?}, want {want:?}"),
            }
        }
    }
}
