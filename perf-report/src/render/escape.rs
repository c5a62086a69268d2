//! Escapes for strings that came from logs, one per output format. Every renderer escapes every
//! log-derived string with the function of its format; these are the only escapes in perf-report.

use std::fmt::Write as _;

/// Makes a log-derived string printable ASCII: anything else (control characters such as ESC
/// or newline, and non-ASCII) becomes `\u{..}`, and `\` becomes `\\`, so a name can neither
/// break the layout nor send escape sequences to a terminal. A leading `::` becomes `\u{3a}:`,
/// so a name at the start of a line can never be read as a GitHub workflow command.
pub fn ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let rest = match text.strip_prefix(':').filter(|rest| rest.starts_with(':')) {
        Some(rest) => {
            out.push_str("\\u{3a}");
            rest
        }
        None => text,
    };
    for character in rest.chars() {
        match character {
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(character),
            other => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(other));
            }
        }
    }
    out
}

/// Whether a character could disguise or break a line when shown as it is: control characters
/// (C0, DEL, C1), bidirectional overrides, isolates and marks, zero-width characters and the
/// byte-order mark. Every escape for people turns these into a visible `\u{..}`.
pub fn disguises(character: char) -> bool {
    character.is_control()
        || matches!(character, '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Makes one line of a message for a terminal or a CI log safe: every [`disguises`] character
/// (newline included) becomes a visible `\u{..}`, and a leading `::` becomes `\u{3a}:` so
/// the line is never a GitHub workflow command. Other text, Unicode included, passes through, so
/// an already quoted name (`"caf\u{e9}"`) is not escaped twice.
pub fn line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let trimmed = text.trim_start();
    let rest = if trimmed.starts_with("::") {
        out.push_str(&text[..text.len() - trimmed.len()]);
        out.push_str("\\u{3a}");
        &trimmed[1..]
    } else {
        text
    };
    for character in rest.chars() {
        if disguises(character) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(character));
        } else {
            out.push(character);
        }
    }
    out
}

/// Escapes text for a Markdown table cell or list item so it renders literally.
///
/// ASCII letters, digits, space and `-+,=()/'%` pass through. Every other ASCII punctuation
/// character becomes an HTML character reference (so `|` cannot end a cell, `<` cannot open a
/// tag, `[`/`]`/`(` cannot form a link, `:`/`.`/`@` cannot form an autolink, and `` ` ``, `*`,
/// `_`, `~`, `\` lose their meaning). Control, bidirectional-override and zero-width characters become a visible `\u{..}`. Other
/// Unicode passes through.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            'a'..='z' | 'A'..='Z' | '0'..='9' | ' ' | '-' | '+' | ',' | '=' | '/' | '\'' | '%' => {
                out.push(character)
            }
            // `(` and `)` are safe only because `[` and `]` are always escaped.
            '(' | ')' => out.push(character),
            '!'..='~' => {
                let _ = write!(out, "&#{};", u32::from(character));
            }
            // Bidirectional overrides and zero-width characters could disguise a name.
            control if disguises(control) => {
                let _ = write!(out, "&#92;u{{{:x}}}", u32::from(control));
            }
            other => out.push(other),
        }
    }
    out
}

/// Escapes text for XML 1.0 element content and attribute values.
///
/// `& < > " '` become entities; tab, newline and carriage return become character references
/// (so attribute values keep them); characters XML 1.0 does not allow at all (other C0 controls,
/// U+FFFE, U+FFFF) and the other [`disguises`] characters (C1 controls, bidirectional overrides,
/// zero-width characters, which a viewer would apply) become a visible `\u{..}`.
pub fn xml(text: &str) -> String {
    markup(text, "&apos;", true)
}

/// XML and HTML alike: `& < > "` and the apostrophe as entities; with
/// `whitespace_as_references` tab, newline and carriage return as character references (XML
/// attribute values keep them), otherwise as a visible `\u{..}` like every [`disguises`]
/// character and U+FFFE, U+FFFF.
fn markup(text: &str, apostrophe: &str, whitespace_as_references: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str(apostrophe),
            '\t' | '\n' | '\r' if whitespace_as_references => {
                let _ = write!(out, "&#{};", u32::from(character));
            }
            other if disguises(other) || matches!(other, '\u{fffe}' | '\u{ffff}') => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(other));
            }
            other => out.push(other),
        }
    }
    out
}

/// Escapes the message of a workflow command: `%`, `\r`, `\n` as the runner decodes them, and
/// every other [`disguises`] character (ESC, BEL, NUL, C1, bidirectional overrides) as a
/// visible `\u{..}`, which the runner would otherwise show raw.
pub fn workflow_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            other if disguises(other) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(other));
            }
            other => out.push(other),
        }
    }
    out
}

/// Escapes a property value of a workflow command: as [`workflow_data`], plus `:` and `,`.
pub fn workflow_property(text: &str) -> String {
    workflow_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Escapes text for HTML element content and quoted attribute values.
///
/// `& < > " '` become entities; control, bidirectional-override and zero-width characters
/// (which could disguise a name) become a visible `\u{..}`; other Unicode passes through.
pub fn html(text: &str) -> String {
    markup(text, "&#39;", false)
}

/// Escapes a label value of the Prometheus text format and OpenMetrics: `\`, `"` and newline
/// become `\\`, `\"` and `\n` (the only escapes both formats define; any other UTF-8 is
/// allowed as it is).
pub fn exposition_label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_escapes_control_and_non_ascii_characters() {
        assert_eq!(ascii("a\nb\x1b[31m\\é"), "a\\u{a}b\\u{1b}[31m\\\\\\u{e9}");
        assert_eq!(ascii("plain/step-1"), "plain/step-1");
        assert_eq!(ascii("::error::pwned"), "\\u{3a}:error::pwned");
        assert_eq!(ascii("a::b"), "a::b");
    }

    #[test]
    fn markdown_neutralises_table_html_and_link_syntax() {
        assert_eq!(markdown("a|b"), "a&#124;b");
        assert_eq!(markdown("<script>"), "&#60;script&#62;");
        assert_eq!(markdown("[x](http://e)"), "&#91;x&#93;(http&#58;//e)");
        assert_eq!(markdown("`code`"), "&#96;code&#96;");
        assert_eq!(markdown("a\nb"), "a&#92;u{a}b");
        assert_eq!(markdown("www.example.com"), "www&#46;example&#46;com");
        assert_eq!(markdown("café 50%"), "café 50%");
        assert_eq!(markdown("a\u{202e}b"), "a&#92;u{202e}b");
    }

    #[test]
    fn xml_handles_markup_and_characters_xml_forbids() {
        assert_eq!(
            xml("<a href='x'>&\"</a>"),
            "&lt;a href=&apos;x&apos;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(xml("a\nb\u{1}c\u{ffff}"), "a&#10;b\\u{1}c\\u{ffff}");
        assert_eq!(xml("a\u{202e}b\u{85}"), "a\\u{202e}b\\u{85}");
    }

    #[test]
    fn line_makes_a_message_safe_for_a_terminal_and_a_ci_log() {
        assert_eq!(line("::error::x"), "\\u{3a}:error::x");
        assert_eq!(line("  ::warning::x"), "  \\u{3a}:warning::x");
        assert_eq!(
            line("a\u{1b}[31m\u{9b}\u{202e}b\nc"),
            "a\\u{1b}[31m\\u{9b}\\u{202e}b\\u{a}c"
        );
        assert_eq!(line("café \"\\u{e9}\" a::b"), "café \"\\u{e9}\" a::b");
    }

    #[test]
    fn workflow_escapes_follow_the_workflow_command_rules() {
        assert_eq!(
            workflow_data("a\u{1b}b\u{7}\u{0}\u{85}\u{202e}"),
            "a\\u{1b}b\\u{7}\\u{0}\\u{85}\\u{202e}"
        );
        assert_eq!(workflow_data("50%0A\r\nx"), "50%250A%0D%0Ax");
        assert_eq!(workflow_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}

#[cfg(test)]
mod export_tests {
    use super::*;

    #[test]
    fn html_neutralises_markup_and_disguising_characters() {
        assert_eq!(
            html("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
        assert_eq!(html("a\nb\u{202e}c é"), "a\\u{a}b\\u{202e}c é");
    }

    #[test]
    fn exposition_labels_escape_backslash_quote_and_newline() {
        assert_eq!(exposition_label("a\\b\"c\nd/é"), "a\\\\b\\\"c\\nd/é");
    }
}
