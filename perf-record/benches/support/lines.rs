//! The 1,000 typical record lines the parse bench and the callgrind example both measure (one
//! corpus, so their numbers are about the same input).

/// 1,000 lines of 24 steps: 2% errors with a reason, 2% without an outcome, the rest ok.
pub fn lines() -> Vec<String> {
    (0..1000)
        .map(|i| {
            let outcome = match i % 50 {
                0 => r#","ok":false,"errorReason":"http 429 too many requests""#,
                1 => "",
                _ => r#","ok":true"#,
            };
            format!(
                r#"{{"ts":"2025-10-16T23:{:02}:{:02}.{:03}Z","sessionId":"wsap-20251016233446","tool":"wsap","step":"step_{}","ms":{}.{:03}{outcome}}}"#,
                i / 60 % 60,
                i % 60,
                i % 1000,
                i % 24,
                i * 7 % 900,
                i * 37 % 1000
            )
        })
        .collect()
}
