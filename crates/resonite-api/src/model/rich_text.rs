//! Rich-text tags in session names (`<color=#f00>`, `<b>`, `</size>`).

/// Removes rich-text tags: a `<` followed by a letter, `/` or `#`, up to the next `>`, with
/// no `<` inside. A lone `<` (`a < b`) is kept. Surrounding whitespace is trimmed.
///
/// ```
/// use resonite_api::model::strip_rich_text;
///
/// assert_eq!(strip_rich_text("<color=#ff0000><b>Club</b></color> night"), "Club night");
/// assert_eq!(strip_rich_text("1 < 2 > 0"), "1 < 2 > 0");
/// ```
pub fn strip_rich_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let is_tag_start = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '#');
        match after.find('>') {
            Some(end) if is_tag_start && !after[..end].contains('<') => {
                rest = &after[end + 1..];
            }
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_go_and_text_stays() {
        assert_eq!(strip_rich_text("<size=120%>Big</size>"), "Big");
        assert_eq!(strip_rich_text("no tags"), "no tags");
        assert_eq!(strip_rich_text("<unclosed"), "<unclosed");
        assert_eq!(strip_rich_text("<a<b>c"), "<ac");
        assert_eq!(strip_rich_text(""), "");
    }
}
