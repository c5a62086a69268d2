//! Largest-Triangle-Three-Buckets down-sampling (Steinarsson 2013), as vegeta's plot uses it:
//! keeps the first and last point and, from each bucket between, the point that spans the
//! largest triangle with the previous kept point and the next bucket's mean, so peaks survive.

/// The indices of the points of `points` (`(x, y)`, ascending in `x`) that LTTB keeps for at
/// most `threshold` points: every index when there are no more points than that (or a
/// threshold below 3, which cannot keep both ends and anything between), ascending.
pub fn lttb(points: &[(f64, f64)], threshold: usize) -> Vec<usize> {
    let count = points.len();
    if threshold < 3 || count <= threshold {
        return (0..count).collect();
    }
    let mut kept = Vec::with_capacity(threshold);
    kept.push(0);
    // The points between the ends, split into `threshold - 2` buckets.
    let bucket_size = (count - 2) as f64 / (threshold - 2) as f64;
    let bucket = |index: usize| -> (usize, usize) {
        let start = (index as f64 * bucket_size) as usize + 1;
        let end = (((index + 1) as f64 * bucket_size) as usize + 1).min(count - 1);
        (start, end.max(start + 1))
    };
    let mut previous = 0;
    for index in 0..threshold - 2 {
        let (start, end) = bucket(index);
        let (next_x, next_y) = if index + 1 < threshold - 2 {
            let (next_start, next_end) = bucket(index + 1);
            let next = &points[next_start..next_end];
            let length = next.len() as f64;
            (
                next.iter().map(|point| point.0).sum::<f64>() / length,
                next.iter().map(|point| point.1).sum::<f64>() / length,
            )
        } else {
            points[count - 1]
        };
        let (previous_x, previous_y) = points[previous];
        let mut best = start;
        let mut best_area = -1.0;
        for (candidate, &(x, y)) in points.iter().enumerate().take(end).skip(start) {
            let area = ((previous_x - next_x) * (y - previous_y)
                - (previous_x - x) * (next_y - previous_y))
                .abs();
            if area > best_area {
                best_area = area;
                best = candidate;
            }
        }
        kept.push(best);
        previous = best;
    }
    kept.push(count - 1);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_series_are_kept_whole() {
        let points = [(0.0, 1.0), (1.0, 2.0), (2.0, 3.0)];
        assert_eq!(lttb(&points, 10), [0, 1, 2]);
        assert_eq!(lttb(&points, 2), [0, 1, 2]);
        assert!(lttb(&[], 10).is_empty());
    }

    #[test]
    fn keeps_the_ends_the_count_and_the_spikes() {
        let mut points: Vec<(f64, f64)> = (0..10_000).map(|i| (f64::from(i), 10.0)).collect();
        points[3_333].1 = 500.0;
        points[7_777].1 = -400.0;
        let kept = lttb(&points, 100);
        assert_eq!(kept.len(), 100);
        assert_eq!(kept[0], 0);
        assert_eq!(kept[99], 9_999);
        assert!(kept.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(kept.contains(&3_333));
        assert!(kept.contains(&7_777));
    }
}
