//! `--tool` / `--step` templates: `"{name}"`, `"{method} {name}"`, `"{name|url}"`.

use std::fmt;
use std::str::FromStr;

/// A name template: literal text with `{field}` placeholders.
///
/// `{a|b}` takes the first of `a`, `b` that is present and non-empty; `{{` and `}}` are literal
/// braces. A template that renders empty falls back to the format's default (see the crate
/// README). Which fields exist depends on the format ([`crate::Format::template_fields`]).
///
/// ```
/// use perf_import::Template;
///
/// let template: Template = "{method} {name|url}".parse().unwrap();
/// let rendered = template.render(|field| match field {
///     "method" => Some("GET"),
///     "url" => Some("/api/search"),
///     _ => None,
/// });
/// assert_eq!(rendered, "GET /api/search");
/// assert!("{unclosed".parse::<Template>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    text: String,
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Field(Vec<String>),
}

/// A template that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template {template:?}: {detail}")]
pub struct TemplateError {
    /// The template text.
    pub template: String,
    /// What is wrong.
    pub detail: &'static str,
}

impl FromStr for Template {
    type Err = TemplateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |detail| TemplateError {
            template: text.to_owned(),
            detail,
        };
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(character) = chars.next() {
            match character {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => return Err(error("unmatched `}` (write `}}` for a literal brace)")),
                '{' => {
                    let mut field = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') => return Err(error("`{` inside a field")),
                            Some(character) => field.push(character),
                            None => return Err(error("unclosed `{`")),
                        }
                    }
                    let alternatives: Vec<String> = field
                        .split('|')
                        .map(|name| name.trim().to_owned())
                        .collect();
                    if alternatives.iter().any(String::is_empty) {
                        return Err(error("empty field name"));
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Field(alternatives));
                }
                character => literal.push(character),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(Template {
            text: text.to_owned(),
            pieces,
        })
    }
}

impl fmt::Display for Template {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

impl Template {
    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Every field name the template refers to.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.pieces
            .iter()
            .flat_map(|piece| match piece {
                Piece::Literal(_) => [].iter(),
                Piece::Field(names) => names.iter(),
            })
            .map(String::as_str)
    }

    /// Renders with `lookup` giving each field's value (`None` or empty: absent).
    pub fn render<'v>(&self, lookup: impl Fn(&str) -> Option<&'v str>) -> String {
        let mut out = String::new();
        self.render_into(&mut out, lookup);
        out
    }

    /// Renders into `out` (cleared first), reusing its allocation.
    pub fn render_into<'v>(&self, out: &mut String, lookup: impl Fn(&str) -> Option<&'v str>) {
        out.clear();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Field(names) => {
                    if let Some(value) = names
                        .iter()
                        .filter_map(|name| lookup(name))
                        .find(|value| !value.is_empty())
                    {
                        out.push_str(value);
                    }
                }
            }
        }
    }

    /// Parses a template known to be valid (the crate's defaults).
    pub(crate) fn builtin(text: &'static str) -> Template {
        text.parse().unwrap_or_else(|_| Template {
            text: text.to_owned(),
            pieces: vec![Piece::Literal(text.to_owned())],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_alternatives_and_literal_braces() {
        let template: Template = "{{{a|b}}} x".parse().unwrap();
        assert_eq!(template.render(|f| (f == "b").then_some("B")), "{B} x");
        assert_eq!(template.render(|f| (f == "a").then_some("A")), "{A} x");
        assert_eq!(template.render(|_| None), "{} x");
        assert_eq!(template.fields().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn rejects_malformed_templates() {
        for text in ["{", "}", "{a{b}}", "{}", "{a|}", "x}"] {
            assert!(text.parse::<Template>().is_err(), "{text}");
        }
    }
}
