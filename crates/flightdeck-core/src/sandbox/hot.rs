//! The sandbox's planted CPU culprit: with the hot switch on (`POST /admin/hot?on=1`, or
//! `flightdeck sandbox hot --url URL`), every `GET /` first burns CPU in [`sandbox_hot_checksum`],
//! a named function that is never inlined, so a profile of the sandbox under load has a known
//! hottest frame. The switch lives in memory only: a restarted sandbox starts cold.

use std::hint::black_box;

/// Rounds of work per request while the switch is on (a few milliseconds in a debug build).
pub const ROUNDS: u32 = 500_000;

/// Burns CPU: a xorshift checksum of `rounds` steps from `seed`. Never inlined, and its loop calls
/// nothing (even unoptimised), so profilers see the time as this function's own.
#[inline(never)]
pub fn sandbox_hot_checksum(seed: u64, rounds: u32) -> u64 {
    let rounds = u64::from(rounds);
    let mut sum = seed ^ 0x9e37_79b9_7f4a_7c15;
    let mut i: u64 = 0;
    while i < rounds {
        sum ^= sum << 13;
        sum ^= sum >> 7;
        sum ^= sum << 17;
        sum ^= i;
        i += 1;
    }
    black_box(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_depends_on_its_inputs() {
        assert_eq!(sandbox_hot_checksum(1, 1000), sandbox_hot_checksum(1, 1000));
        assert_ne!(sandbox_hot_checksum(1, 1000), sandbox_hot_checksum(2, 1000));
        assert_ne!(sandbox_hot_checksum(1, 1000), sandbox_hot_checksum(1, 1001));
    }
}
