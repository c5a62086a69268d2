//! Any text as a probe plan file: `Plan::from_toml` never panics or hangs; it returns a plan or
//! an error naming the problem, and a plan it returns names its base URL and endpoints.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Files a plan names (bodies, CA certificates, secrets) are looked up under a directory
    // that does not exist, so the fuzzer exercises their error paths without reading anything.
    let base_dir = Path::new("/nonexistent/perf-gate-fuzz");
    match perf_probe::Plan::from_toml(text, Path::new("plan.toml"), base_dir) {
        Ok(plan) => {
            assert!(plan.base_url().starts_with("http"));
            assert!(!plan.endpoints.is_empty(), "a plan has an endpoint");
            for (index, endpoint) in plan.endpoints.iter().enumerate() {
                // Rendering a request path of any plan never panics either.
                let _ = endpoint.path.render(index as u64);
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
