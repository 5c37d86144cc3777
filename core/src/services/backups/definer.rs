//! `DEFINER=`user`@`host`` → `DEFINER=CURRENT_USER` in views, triggers, routines and events, so a
//! dump restores as whoever restores it: the account's identity may not name anyone else (that
//! needs SET USER), and the objects were the account's own anyway.

const NEEDLE: &[u8] = b"DEFINER=`";
const REPLACEMENT: &[u8] = b"DEFINER=CURRENT_USER";

/// Rewrites the line in place; lines without a definer (nearly all) are only scanned.
pub fn rewrite(line: &mut Vec<u8>) {
    let Some(first) = find(line, NEEDLE, 0) else {
        return;
    };
    let mut out = Vec::with_capacity(line.len());
    let mut copied = 0;
    let mut at = Some(first);
    while let Some(start) = at {
        match definer_end(line, start + NEEDLE.len() - 1) {
            Some(end) => {
                out.extend_from_slice(&line[copied..start]);
                out.extend_from_slice(REPLACEMENT);
                copied = end;
                at = find(line, NEEDLE, end);
            }
            None => at = find(line, NEEDLE, start + 1),
        }
    }
    out.extend_from_slice(&line[copied..]);
    *line = out;
}

/// From the opening backtick of `user`@`host`: the index just after the closing one.
fn definer_end(line: &[u8], from: usize) -> Option<usize> {
    let after_user = quoted_end(line, from)?;
    if line.get(after_user) != Some(&b'@') {
        return None;
    }
    quoted_end(line, after_user + 1)
}

/// A backtick-quoted identifier (doubled backticks inside) starting at `from`: the index after it.
fn quoted_end(line: &[u8], from: usize) -> Option<usize> {
    if line.get(from) != Some(&b'`') {
        return None;
    }
    let mut i = from + 1;
    while i < line.len() {
        if line[i] == b'`' {
            if line.get(i + 1) == Some(&b'`') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::rewrite;

    fn rewritten(text: &str) -> String {
        let mut line = text.as_bytes().to_vec();
        rewrite(&mut line);
        String::from_utf8(line).unwrap()
    }

    #[test]
    fn every_definer_becomes_the_current_user() {
        assert_eq!(
            rewritten(
                "/*!50003 CREATE*/ /*!50017 DEFINER=`acme-panel`@`localhost`*/ /*!50003 TRIGGER tr BEFORE INSERT ON t\n"
            ),
            "/*!50003 CREATE*/ /*!50017 DEFINER=CURRENT_USER*/ /*!50003 TRIGGER tr BEFORE INSERT ON t\n"
        );
        assert_eq!(
            rewritten("CREATE DEFINER=`root`@`%` PROCEDURE `p`()\n"),
            "CREATE DEFINER=CURRENT_USER PROCEDURE `p`()\n"
        );
        assert_eq!(
            rewritten("/*!50013 DEFINER=`a``b`@`h` SQL SECURITY DEFINER */ x DEFINER=`c`@`d`"),
            "/*!50013 DEFINER=CURRENT_USER SQL SECURITY DEFINER */ x DEFINER=CURRENT_USER"
        );
    }

    #[test]
    fn other_text_is_left_alone() {
        for text in [
            "INSERT INTO t VALUES ('DEFINER=`x')",
            "plain line\n",
            "DEFINER=`unterminated",
            "DEFINER=`a` @`b`",
        ] {
            assert_eq!(rewritten(text), text);
        }
    }
}
