//! Any text: the budget-file and baseline-file parsers never panic or hang; they return a budget
//! model or an error naming where the text went wrong.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(budgets) = perf_budget::parse_budgets(text) {
        // A parsed file resolves every entry's sample minimum for each of its limits.
        for entry in budgets.entries() {
            for limit in &entry.limits {
                let _ = budgets.min_samples_for(entry, limit.metric, 0.95);
            }
        }
    }
    let _ = perf_baseline::parse(text, "fuzz");
});
