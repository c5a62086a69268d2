//! The environment a baseline was measured in.

use serde::{Deserialize, Serialize};

/// Where a set of latencies was measured: enough to tell whether two runs are like for like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Fingerprint {
    /// Operating system (`linux`, `macos`, `windows`, ...), as Rust names it.
    pub os: String,
    /// CPU architecture (`x86_64`, `aarch64`, ...), as Rust names it.
    pub arch: String,
    /// The CPU model name from `/proc/cpuinfo`, when that file exists and names one.
    pub cpu_model: Option<String>,
    /// Logical cores available to the process.
    pub cpu_cores: u64,
    /// The perf-gate version that wrote the data, as the caller passed it.
    pub perf_gate_version: String,
}

/// One field in which two fingerprints differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct FingerprintDifference {
    /// The field name, as in the baseline file (`os`, `cpu_model`, ...).
    pub field: String,
    /// The baseline's value (`unknown` when absent).
    pub baseline: String,
    /// The current run's value (`unknown` when absent).
    pub current: String,
}

impl Fingerprint {
    /// The fingerprint of the machine this code runs on.
    ///
    /// `perf_gate_version` is passed in by the caller (the binary knows its own version; this
    /// library does not pretend to).
    pub fn current(perf_gate_version: &str) -> Fingerprint {
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|text| cpu_model_from_cpuinfo(&text));
        let cpu_cores = std::thread::available_parallelism()
            .map(|cores| cores.get() as u64)
            .unwrap_or(1);
        Fingerprint {
            os: std::env::consts::OS.to_owned(),
            arch: std::env::consts::ARCH.to_owned(),
            cpu_model,
            cpu_cores,
            perf_gate_version: perf_gate_version.to_owned(),
        }
    }

    /// The fields in which `current` differs from `self` (the baseline's), in a fixed order.
    pub fn differences(&self, current: &Fingerprint) -> Vec<FingerprintDifference> {
        let optional = |value: &Option<String>| value.clone().unwrap_or_else(|| "unknown".into());
        let pairs = [
            ("os", self.os.clone(), current.os.clone()),
            ("arch", self.arch.clone(), current.arch.clone()),
            (
                "cpu_model",
                optional(&self.cpu_model),
                optional(&current.cpu_model),
            ),
            (
                "cpu_cores",
                self.cpu_cores.to_string(),
                current.cpu_cores.to_string(),
            ),
            (
                "perf_gate_version",
                self.perf_gate_version.clone(),
                current.perf_gate_version.clone(),
            ),
        ];
        pairs
            .into_iter()
            .filter(|(_, baseline, current)| baseline != current)
            .map(|(field, baseline, current)| FingerprintDifference {
                field: field.to_owned(),
                baseline,
                current,
            })
            .collect()
    }
}

/// The first `model name` (x86) or `Model` / `Hardware` (ARM) line of `/proc/cpuinfo`.
fn cpu_model_from_cpuinfo(text: &str) -> Option<String> {
    ["model name", "Model", "Hardware", "cpu model"]
        .iter()
        .find_map(|wanted| {
            text.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                (name.trim() == *wanted && !value.trim().is_empty())
                    .then(|| value.trim().to_owned())
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_x86_model_name() {
        let text = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n";
        assert_eq!(
            cpu_model_from_cpuinfo(text).as_deref(),
            Some("Intel(R) Xeon(R) CPU @ 2.20GHz")
        );
    }

    #[test]
    fn missing_model_is_none() {
        assert_eq!(cpu_model_from_cpuinfo("processor\t: 0\n"), None);
    }

    #[test]
    fn lists_each_differing_field() {
        let base = Fingerprint {
            os: "linux".into(),
            arch: "x86_64".into(),
            cpu_model: Some("A".into()),
            cpu_cores: 4,
            perf_gate_version: "0.1.0".into(),
        };
        let mut other = base.clone();
        assert!(base.differences(&other).is_empty());
        other.cpu_model = None;
        other.cpu_cores = 2;
        let fields: Vec<_> = base
            .differences(&other)
            .into_iter()
            .map(|d| d.field)
            .collect();
        assert_eq!(fields, ["cpu_model", "cpu_cores"]);
        assert_eq!(base.differences(&other)[0].current, "unknown");
    }

    #[test]
    fn current_names_this_platform() {
        let fingerprint = Fingerprint::current("9.9.9");
        assert_eq!(fingerprint.os, std::env::consts::OS);
        assert!(fingerprint.cpu_cores >= 1);
        assert_eq!(fingerprint.perf_gate_version, "9.9.9");
    }
}
