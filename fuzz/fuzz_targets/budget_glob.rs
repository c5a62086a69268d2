//! Budget keys against a naive backtracking glob matcher: for keys built from the documented
//! syntax (`*`, `?`, `[abc]`, `[!a-c]`, `{a,b}`, literals; `/` is an ordinary character), and
//! names over the same characters plus every glob metacharacter, `Pattern::from_key(key)
//! .matches(name)` is what the budget-file documentation promises: `"*"` matches anything, a key
//! without metacharacters is an exact name, a glob matches what the naive matcher says or its
//! own literal text. Raw keys and names (invalid globs included) never panic and always match
//! their own text.
//!
//! `**` is left out of the built keys: globset gives it directory meaning next to `/`, which
//! budget names do not have (documented as a budget-key limitation).

#![no_main]

use libfuzzer_sys::fuzz_target;
use perf_budget::Pattern;

#[derive(Debug, Clone)]
enum Token {
    Literal(char),
    AnyOne,
    AnyRun,
    Class { negated: bool, ranges: Vec<(char, char)> },
    Alternatives(Vec<String>),
}

const LITERALS: [char; 5] = ['a', 'b', 'c', '.', '/'];
const NAME_CHARACTERS: [char; 13] = ['a', 'b', 'c', '.', '/', '*', '?', '[', ']', '{', '}', ',', '!'];

fn letter(byte: u8) -> char {
    ['a', 'b', 'c'][usize::from(byte) % 3]
}

fn tokens_from(bytes: &[u8]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut bytes = bytes.iter().copied();
    while let Some(byte) = bytes.next() {
        let token = match byte % 8 {
            0..=2 => Token::Literal(LITERALS[usize::from(byte / 8) % LITERALS.len()]),
            3 => Token::AnyOne,
            4 => {
                // Two `*` in a row are `**`, which this target leaves out.
                if matches!(tokens.last(), Some(Token::AnyRun)) {
                    continue;
                }
                Token::AnyRun
            }
            5 => {
                let count = 1 + usize::from(byte / 8) % 3;
                let ranges = (0..count)
                    .map(|_| {
                        let low = letter(bytes.next().unwrap_or(0));
                        let high = letter(bytes.next().unwrap_or(0));
                        if low <= high { (low, high) } else { (high, low) }
                    })
                    .collect();
                Token::Class { negated: byte & 0x80 != 0, ranges }
            }
            _ => {
                let count = 1 + usize::from(byte / 8) % 3;
                let alternatives = (0..count)
                    .map(|_| {
                        let length = 1 + usize::from(bytes.next().unwrap_or(0)) % 2;
                        (0..length).map(|_| letter(bytes.next().unwrap_or(0))).collect()
                    })
                    .collect();
                Token::Alternatives(alternatives)
            }
        };
        tokens.push(token);
    }
    tokens
}

fn key_text(tokens: &[Token]) -> String {
    let mut text = String::new();
    for token in tokens {
        match token {
            Token::Literal(character) => text.push(*character),
            Token::AnyOne => text.push('?'),
            Token::AnyRun => text.push('*'),
            Token::Class { negated, ranges } => {
                text.push('[');
                if *negated {
                    text.push('!');
                }
                for (low, high) in ranges {
                    text.push(*low);
                    if low != high {
                        text.push('-');
                        text.push(*high);
                    }
                }
                text.push(']');
            }
            Token::Alternatives(alternatives) => {
                text.push('{');
                text.push_str(&alternatives.join(","));
                text.push('}');
            }
        }
    }
    text
}

/// Whether the tokens match the whole name, by trying every way.
fn naive_match(tokens: &[Token], name: &[char]) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return name.is_empty();
    };
    match first {
        Token::Literal(character) => {
            name.first() == Some(character) && naive_match(rest, &name[1..])
        }
        Token::AnyOne => !name.is_empty() && naive_match(rest, &name[1..]),
        Token::AnyRun => (0..=name.len()).any(|skip| naive_match(rest, &name[skip..])),
        Token::Class { negated, ranges } => match name.first() {
            Some(character) => {
                let inside = ranges
                    .iter()
                    .any(|(low, high)| (low..=high).contains(&character));
                inside != *negated && naive_match(rest, &name[1..])
            }
            None => false,
        },
        Token::Alternatives(alternatives) => alternatives.iter().any(|alternative| {
            let alternative: Vec<char> = alternative.chars().collect();
            name.starts_with(&alternative) && naive_match(rest, &name[alternative.len()..])
        }),
    }
}

/// What the documentation promises for a key and a name.
fn promised(key: &str, tokens: &[Token], name: &str) -> bool {
    if key == "*" {
        return true;
    }
    if !key.contains(['*', '?', '[', '{']) {
        return key == name;
    }
    key == name || naive_match(tokens, &name.chars().collect::<Vec<_>>())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    if mode % 4 == 0 {
        // Raw text: never a panic, and a key always matches its own text.
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let (key, name) = text.split_once('\n').unwrap_or((text, text));
        let pattern = Pattern::from_key(key);
        assert!(pattern.matches(key), "{key:?} does not match itself");
        let _ = pattern.matches(name);
        return;
    }
    let split = data.iter().position(|&byte| byte == 0xff).unwrap_or(data.len());
    let tokens = tokens_from(&data[..split]);
    let name: String = data
        .get(split + 1..)
        .unwrap_or_default()
        .iter()
        .map(|&byte| NAME_CHARACTERS[usize::from(byte) % NAME_CHARACTERS.len()])
        .collect();
    let key = key_text(&tokens);
    let pattern = Pattern::from_key(&key);
    assert_eq!(
        pattern.matches(&name),
        promised(&key, &tokens, &name),
        "key {key:?}, name {name:?}, pattern {pattern:?}"
    );
});
