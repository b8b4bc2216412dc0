//! Weight arithmetic: the per-slot weights that put `percent` of the traffic on the new slots.

/// Largest weight haproxy accepts.
pub const MAX: u32 = 256;
/// The weight a fully live slot gets.
pub const FULL: u32 = 100;

/// Per-slot weights `(old, new)` so that the new slots get `percent` of the traffic, with `old`
/// and `new` slots sharing their part evenly. 0% gives new 0; 100% gives old 0.
pub fn split(percent: u32, old: usize, new: usize) -> (u32, u32) {
    let percent = percent.min(100);
    if percent == 0 || new == 0 {
        return (FULL, 0);
    }
    if percent == 100 || old == 0 {
        return (0, FULL);
    }
    let old_n = u64::try_from(old).unwrap_or(1);
    let new_n = u64::try_from(new).unwrap_or(1);
    // new share p*old_n per new slot, old share (100-p)*new_n per old slot: totals are in ratio p : 100-p.
    let mut w_new = u64::from(percent) * old_n;
    let mut w_old = u64::from(100 - percent) * new_n;
    let g = gcd(w_new, w_old);
    w_new /= g;
    w_old /= g;
    let top = w_new.max(w_old);
    if top > u64::from(MAX) {
        let scale = |w: u64| ((w * u64::from(MAX) + top / 2) / top).max(1);
        w_new = scale(w_new);
        w_old = scale(w_old);
    }
    (u32::try_from(w_old).unwrap_or(MAX), u32::try_from(w_new).unwrap_or(MAX))
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a.max(1) } else { gcd(b, a % b) }
}

/// The share of traffic on the new slots for the given weights, in percent.
pub fn share(old_w: u32, old: usize, new_w: u32, new: usize) -> f64 {
    let count = |n: usize| f64::from(u32::try_from(n).unwrap_or(u32::MAX));
    let o = f64::from(old_w) * count(old);
    let n = f64::from(new_w) * count(new);
    if o + n == 0.0 { 0.0 } else { 100.0 * n / (o + n) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_put_the_asked_share_on_the_new_slots() {
        assert_eq!(split(5, 1, 1), (19, 1));
        assert_eq!(split(100, 3, 3), (0, FULL));
        assert_eq!(split(0, 3, 3), (FULL, 0));
        for (p, o, n) in [(5, 3, 3), (25, 2, 1), (50, 4, 4), (1, 7, 2), (33, 3, 1)] {
            let (wo, wn) = split(p, o, n);
            assert!(wo <= MAX && (1..=MAX).contains(&wn), "{p} {o} {n}: {wo} {wn}");
            let got = share(wo, o, wn, n);
            assert!((got - f64::from(p)).abs() < 1.0, "{p}% over {o}+{n}: {got}");
        }
    }
}
