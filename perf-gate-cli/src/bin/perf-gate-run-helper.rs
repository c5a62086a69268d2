//! `perf-gate-run-helper`: the launch helper of `perf-gate run`, installed beside `perf-gate`.
//! A binary of its own because it is small: the command it starts inherits its memory
//! high-water mark, the floor of every measured peak (see perf-run's README). Without it,
//! `perf-gate run` launches through `perf-gate __run-helper`, whose floor is the big binary's.

fn main() -> std::process::ExitCode {
    perf_run::helper::main(std::env::args_os().skip(1))
}
