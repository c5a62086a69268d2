//! Any text as a `perf-gate run` plan file: `Plan::parse` never panics or hangs; it returns a
//! plan that passes its own validation and schedules every run it promises, or an error.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match perf_run::Plan::parse(text, Path::new("/nonexistent/perf-gate-fuzz")) {
        Ok(plan) => {
            assert!(plan.validate().is_ok());
            assert!(!plan.commands.is_empty());
            // Keep the schedule small enough to build: a plan may ask for billions of runs.
            let runs: u64 = plan
                .commands
                .iter()
                .map(|command| u64::from(plan.runs_of(command)) + u64::from(plan.warmup_of(command)))
                .sum();
            if runs <= 10_000 {
                let slots = perf_run::schedule(&plan);
                assert_eq!(slots.len() as u64, runs);
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
