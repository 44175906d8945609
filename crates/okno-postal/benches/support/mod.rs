//! What the okno-postal benches share: running a piece of work for a while and printing its rate.

use std::time::{Duration, Instant};

/// Runs `work` (given the iteration number) for at least `minimum` and prints the rate.
pub(crate) fn rate(name: &str, minimum: Duration, mut work: impl FnMut(u64)) {
    let started = Instant::now();
    let mut done = 0u64;
    while started.elapsed() < minimum {
        work(done);
        done += 1;
    }
    let per_second = done as f64 / started.elapsed().as_secs_f64();
    println!(
        "{name:<44} {per_second:>12.0} /s  ({done} in {:.2?})",
        started.elapsed()
    );
}
