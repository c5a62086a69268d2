//! Any text: the budget-file and baseline-file parsers never panic or hang; they return a budget
//! model or an error naming where the text went wrong.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(budgets) = perf_budget::parse_budgets(text) {
        // A parsed file resolves every entry it holds.
        for entry in budgets.entries() {
            let _ = budgets.min_samples_for(entry);
        }
    }
    let _ = perf_baseline::parse(text, "fuzz");
});
