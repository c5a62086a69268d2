//! A JSON tree that keeps every key of every object, in order, duplicates included.
//!
//! `serde_json::Value` silently keeps the last of two equal keys; a budget file with a key written
//! twice is almost always a copy-paste mistake, so the budget parser reads this tree instead and
//! reports duplicates with their JSON path.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// One JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Node>),
    /// Members in file order; duplicate keys are kept.
    Object(Vec<(String, Node)>),
}

impl Node {
    /// The JSON type name, for error messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Number(_) => "a number",
            Node::String(_) => "a string",
            Node::Array(_) => "an array",
            Node::Object(_) => "an object",
        }
    }

    /// A short rendering of the value for error messages (strings quoted, containers elided).
    pub(crate) fn short_display(&self) -> String {
        match self {
            Node::Null => "null".to_owned(),
            Node::Bool(value) => value.to_string(),
            Node::Number(value) => value.to_string(),
            Node::String(value) => {
                let mut quoted = serde_json::to_string(value).unwrap_or_default();
                if quoted.len() > 60 {
                    let cut = (0..=57)
                        .rev()
                        .find(|&index| quoted.is_char_boundary(index))
                        .unwrap_or(0);
                    quoted.truncate(cut);
                    quoted.push_str("...");
                }
                quoted
            }
            Node::Array(_) => "[...]".to_owned(),
            Node::Object(_) => "{...}".to_owned(),
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Node, E> {
        Ok(Node::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Node, E> {
        Ok(Node::Number(value as f64))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Node, E> {
        Ok(Node::Number(value as f64))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Node, E> {
        Ok(Node::Number(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Node, E> {
        Ok(Node::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Node, E> {
        Ok(Node::String(value))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Node>()? {
            members.push((key, value));
        }
        Ok(Node::Object(members))
    }
}

/// A JSON path such as `$.wsap.import.p95` or `$["*"]["a b"]`, built as the parser descends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonPath(String);

impl JsonPath {
    pub(crate) fn root() -> Self {
        JsonPath("$".to_owned())
    }

    /// The path of member `key` of the object at this path.
    pub(crate) fn key(&self, key: &str) -> Self {
        let mut path = self.0.clone();
        let mut characters = key.chars();
        let is_identifier = characters
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
            && characters.all(|rest| rest.is_ascii_alphanumeric() || rest == '_');
        if is_identifier {
            path.push('.');
            path.push_str(key);
        } else {
            path.push('[');
            path.push_str(&serde_json::to_string(key).unwrap_or_default());
            path.push(']');
        }
        JsonPath(path)
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_duplicate_keys_in_order() {
        let node: Node = serde_json::from_str(r#"{"a": 1, "b": true, "a": "x"}"#).unwrap();
        assert_eq!(
            node,
            Node::Object(vec![
                ("a".to_owned(), Node::Number(1.0)),
                ("b".to_owned(), Node::Bool(true)),
                ("a".to_owned(), Node::String("x".to_owned())),
            ])
        );
    }

    #[test]
    fn path_quotes_keys_that_are_not_identifiers() {
        let path = JsonPath::root()
            .key("wsap")
            .key("*")
            .key("p99.9")
            .key("a\"b");
        assert_eq!(path.to_string(), r#"$.wsap["*"]["p99.9"]["a\"b"]"#);
    }

    #[test]
    fn short_display_truncates_long_strings_on_a_char_boundary() {
        let long = "é".repeat(100);
        let shown = Node::String(long).short_display();
        assert!(shown.ends_with("..."));
        assert!(shown.len() <= 61);
    }
}
