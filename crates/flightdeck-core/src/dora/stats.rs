//! Order statistics as §6 fixes them: the median is the middle value or the mean of the two middle
//! values; p90 is the nearest rank, the ceil(0.9 n)-th smallest.

/// The median of `values` (sorted in place), or `None` when empty.
#[allow(clippy::cast_precision_loss)]
pub fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    if n % 2 == 1 {
        Some(values[n / 2] as f64)
    } else {
        Some(f64::midpoint(values[n / 2 - 1] as f64, values[n / 2] as f64))
    }
}

/// The median of floating values (sorted in place), or `None` when empty.
pub fn median_f64(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 { Some(values[n / 2]) } else { Some(f64::midpoint(values[n / 2 - 1], values[n / 2])) }
}

/// The nearest-rank 90th percentile of `values` (sorted in place): the ceil(0.9 n)-th smallest.
pub fn p90(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = (values.len() * 9).div_ceil(10);
    values.get(rank.max(1) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_p90_by_hand() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5]), Some(5.0));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2.5));
        assert_eq!(median(&mut [9, 1, 5]), Some(5.0));
        // n = 10: ceil(9) = 9th smallest; n = 11: ceil(9.9) = 10th; n = 1: 1st.
        assert_eq!(p90(&mut [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]), Some(9));
        assert_eq!(p90(&mut [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), Some(10));
        assert_eq!(p90(&mut [42]), Some(42));
        assert_eq!(median_f64(&mut [1.0, 3.0]), Some(2.0));
    }
}
