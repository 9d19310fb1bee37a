//! Making server-supplied text safe to show on a terminal.
//!
//! A server controls its error messages, usernames and claims. Printed raw, an escape
//! sequence in them recolours the terminal, rewrites its title, clears the screen or, with a
//! carriage return, overwrites what was printed before; a newline forges a second line of
//! output. [`sanitize`] is the one step every such string passes before it is shown: the
//! [`Error`](crate::Error) `Display` uses it, and so should any program printing what a server
//! said.

/// The most characters [`sanitize`] keeps (escapes count with their full length).
pub const DISPLAY_LIMIT: usize = 512;

/// `text` made safe for one line of a terminal: control characters (C0, DEL, C1), line and
/// paragraph separators, and the invisible Unicode format characters that reorder or hide
/// text (bidirectional overrides and isolates, zero-width characters, the BOM) are written as
/// visible escapes such as `\u{1b}`; the result is cut to [`DISPLAY_LIMIT`] characters, ending
/// in `…` when it was cut.
///
/// ```
/// use omniauth_types::text::sanitize;
///
/// assert_eq!(sanitize("user \x1b[31mnot\x1b[0m found"), r"user \u{1b}[31mnot\u{1b}[0m found");
/// assert_eq!(sanitize("two\r\nlines"), r"two\u{d}\u{a}lines");
/// assert_eq!(sanitize("plain words, ünïcödé"), "plain words, ünïcödé");
/// ```
pub fn sanitize(text: &str) -> String {
    sanitize_to(text, DISPLAY_LIMIT)
}

/// [`sanitize`] with a limit of `max_chars` characters instead of [`DISPLAY_LIMIT`].
///
/// ```
/// use omniauth_types::text::sanitize_to;
///
/// assert_eq!(sanitize_to("abcdef", 4), "abc…");
/// assert_eq!(sanitize_to("abcd", 4), "abcd");
/// // An escape is never cut in half.
/// assert_eq!(sanitize_to("ab\x07cd", 6), "ab…");
/// ```
pub fn sanitize_to(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    let mut used = 0_usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let escaped = needs_escape(c).then(|| c.escape_unicode().to_string());
        let width = escaped.as_ref().map_or(1, String::len);
        // Leave room for the ellipsis unless this is the last character.
        let room = if chars.peek().is_some() {
            max_chars.saturating_sub(1)
        } else {
            max_chars
        };
        if used + width > room {
            out.push('…');
            return out;
        }
        used += width;
        match escaped {
            Some(escaped) => out.push_str(&escaped),
            None => out.push(c),
        }
    }
    out
}

/// Whether `text` would be shown as is: no character [`sanitize`] escapes.
///
/// ```
/// use omniauth_types::text::is_clean;
///
/// assert!(is_clean("alice"));
/// assert!(!is_clean("alice\u{202e}"));
/// ```
pub fn is_clean(text: &str) -> bool {
    !text.chars().any(needs_escape)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Zero-width space, joiners, direction marks.
            '\u{200b}'..='\u{200f}'
            // Line and paragraph separators, bidirectional embeddings and overrides.
            | '\u{2028}'..='\u{202e}'
            // Word joiner, invisible operators, bidirectional isolates.
            | '\u{2060}'..='\u{206f}'
            | '\u{feff}'
            // Interlinear annotation, shown by nothing.
            | '\u{fff9}'..='\u{fffb}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_escaped_visibly() {
        let hostile = "\x1b]0;owned\x07\x1b[2J\0\r\x7f\u{9b}31m";
        let shown = sanitize(hostile);
        assert_eq!(
            shown,
            r"\u{1b}]0;owned\u{7}\u{1b}[2J\u{0}\u{d}\u{7f}\u{9b}31m"
        );
        assert!(shown.chars().all(|c| !c.is_control()));
    }

    #[test]
    fn invisible_reordering_characters_are_escaped() {
        assert_eq!(sanitize("a\u{202e}b\u{2066}c"), r"a\u{202e}b\u{2066}c");
        assert_eq!(sanitize("x\u{200b}\u{feff}"), r"x\u{200b}\u{feff}");
        assert_eq!(sanitize("line\u{2028}sep"), r"line\u{2028}sep");
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        let long = "é".repeat(2000);
        let shown = sanitize(&long);
        assert_eq!(shown.chars().count(), DISPLAY_LIMIT);
        assert!(shown.ends_with('…'));
        let escapes = "\x1b".repeat(400);
        let shown = sanitize(&escapes);
        assert!(shown.chars().count() <= DISPLAY_LIMIT);
        assert!(
            shown.ends_with(r"\u{1b}…"),
            "an escape is never cut in half"
        );
        assert_eq!(sanitize_to("", 0), "");
        assert_eq!(sanitize_to("ab", 0), "…");
    }

    #[test]
    fn clean_text_is_unchanged() {
        for text in [
            "",
            "alice",
            "Invalid Username or Password",
            "ünïcödé 名前 🎵",
        ] {
            assert!(is_clean(text));
            assert_eq!(sanitize(text), text);
        }
    }
}
