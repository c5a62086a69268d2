//! The inline SVG charts, drawn by hand: an ECDF of the current run against the baseline with
//! budget lines and confidence-interval whiskers, an error-rate bar, and a history series with
//! change points and environment changes. Every chart tells its lines apart by shape (solid,
//! dashed, dotted; circles, triangles, diamonds) and labels, never by colour alone, and carries
//! a `<title>` and `<desc>`. Coordinates have one decimal, so the bytes are stable.

use std::fmt::Write as _;

use super::lttb::lttb;
use crate::distribution::Ecdf;
use crate::render::escape::html;
use crate::render::fixed;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 40.0;

/// The most points a history series chart draws; longer series are down-sampled with LTTB.
pub const SERIES_MAX_POINTS: usize = 400;

/// A vertical budget line on a latency chart, with the percentile's interval when it has one.
pub(super) struct BudgetMarker {
    /// `p95 <= 80.00ms`, already phrased (escaped here).
    pub label: String,
    /// The limit, ms.
    pub limit_ms: f64,
    /// For a percentile check, its probability, the observed value and its interval (ms).
    pub whisker: Option<Whisker>,
    /// Whether the check failed (drawn thicker and marked `FAIL`).
    pub failed: bool,
}

/// A percentile's observed value and confidence interval, drawn at its probability.
pub(super) struct Whisker {
    pub probability: f64,
    pub observed_ms: f64,
    pub low_ms: f64,
    pub high_ms: f64,
}

/// A linear map from data to pixels.
#[derive(Clone, Copy)]
struct Axis {
    low: f64,
    high: f64,
    from: f64,
    to: f64,
}

impl Axis {
    fn at(self, value: f64) -> f64 {
        let span = self.high - self.low;
        let fraction = if span > 0.0 {
            (value - self.low) / span
        } else {
            0.0
        };
        self.from + fraction.clamp(0.0, 1.0) * (self.to - self.from)
    }
}

/// A pixel coordinate with one decimal, without a trailing `.0`.
fn coordinate(value: f64) -> String {
    let text = fixed(value, 1);
    match text.strip_suffix(".0") {
        Some(whole) => whole.to_owned(),
        None => text,
    }
}

/// About five round tick values from 0 to at least `max` (1, 2 or 5 times a power of ten
/// apart), and the decimals their labels need.
fn ticks(max: f64) -> (Vec<f64>, usize) {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|factor| factor * magnitude)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * magnitude);
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil().min(6.0) as usize
    };
    let count = (max / step).ceil() as usize;
    (
        (0..=count).map(|index| index as f64 * step).collect(),
        decimals,
    )
}

fn open_svg(out: &mut String, id: &str, class: &str, height: f64, title: &str, description: &str) {
    let _ = write!(
        out,
        "<svg class=\"{class}\" id=\"{id}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" \
         viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\"><title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        WIDTH,
        height,
        WIDTH,
        height,
        html(title),
        html(description)
    );
}

/// The axes, grid and tick labels of a chart with `x` and `y` over the given ticks (the grid
/// and the axes are one path each, to keep the page's element count down).
fn frame(
    out: &mut String,
    x: Axis,
    y: Axis,
    x_ticks: (&[f64], usize),
    y_ticks: &[(f64, String)],
    x_label: &str,
) {
    let (values, decimals) = x_ticks;
    let mut grid = String::new();
    let mut labels = String::new();
    for value in values {
        let position = coordinate(x.at(*value));
        let _ = write!(
            grid,
            "M{position} {}V{}",
            coordinate(y.to),
            coordinate(y.from)
        );
        let _ = write!(
            labels,
            "<text x=\"{position}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            coordinate(y.from + 14.0),
            fixed(*value, decimals)
        );
    }
    for (value, label) in y_ticks {
        let position = coordinate(y.at(*value));
        let _ = write!(
            grid,
            "M{} {position}H{}",
            coordinate(x.from),
            coordinate(x.to)
        );
        let _ = write!(
            labels,
            "<text x=\"{}\" y=\"{position}\" text-anchor=\"end\" dy=\"4\">{label}</text>",
            coordinate(x.from - 6.0),
        );
    }
    let _ = write!(
        out,
        "<g class=\"axes\"><path class=\"grid\" d=\"{grid}\"/><path d=\"M{left} {top}V{bottom}H{right}\"/>{labels}\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
        coordinate((x.from + x.to) / 2.0),
        coordinate(y.from + 32.0),
        html(x_label),
        left = coordinate(x.from),
        right = coordinate(x.to),
        top = coordinate(y.to),
        bottom = coordinate(y.from),
    );
}

/// An ECDF as a path: steps when it is exact, straight segments between quantile knots when
/// it is down-sampled (relative moves, and none shorter than a fifth of a pixel except the
/// last, to keep the bytes down). Starts at 0 at the minimum.
fn ecdf_path(ecdf: &Ecdf, x: Axis, y: Axis) -> String {
    let knots = ecdf.knots();
    let mut path = String::new();
    let Some(first) = knots.first() else {
        return path;
    };
    // Pixel positions rounded to the tenth drawn, so relative moves add up exactly.
    let tenth = |value: f64| (value * 10.0).round() as i64;
    let step = |value: i64| coordinate(value as f64 / 10.0);
    let mut at = (tenth(x.at(first.value_ms)), tenth(y.at(0.0)));
    let _ = write!(path, "M{} {}", step(at.0), step(at.1));
    for (index, knot) in knots.iter().enumerate() {
        let next = (tenth(x.at(knot.value_ms)), tenth(y.at(knot.cumulative)));
        if ecdf.is_exact() {
            if next.0 != at.0 {
                let _ = write!(path, "h{}", step(next.0 - at.0));
            }
            let _ = write!(path, "v{}", step(next.1 - at.1));
            at = next;
        } else if (next.0 - at.0).abs() + (next.1 - at.1).abs() >= 2 || index + 1 == knots.len() {
            let dy = step(next.1 - at.1);
            let separator = if dy.starts_with('-') { "" } else { " " };
            let _ = write!(path, "l{}{separator}{dy}", step(next.0 - at.0));
            at = next;
        }
    }
    path
}

/// The ECDF chart of one group: this run (solid), the baseline (dashed), budget limits (dotted
/// verticals, labelled) and each percentile's interval (a whisker with a circle at the observed
/// value).
pub(super) fn ecdf_chart(
    id: &str,
    group: &str,
    current: Option<&Ecdf>,
    baseline: Option<&Ecdf>,
    markers: &[BudgetMarker],
) -> String {
    let max_of = |ecdf: Option<&Ecdf>| {
        ecdf.and_then(|ecdf| ecdf.knots().last())
            .map_or(0.0, |knot| knot.value_ms)
    };
    let mut x_max = max_of(current).max(max_of(baseline));
    for marker in markers {
        x_max = x_max.max(marker.limit_ms);
        if let Some(whisker) = &marker.whisker {
            x_max = x_max.max(whisker.high_ms);
        }
    }
    let (x_ticks, decimals) = ticks(x_max * 1.02);
    let x = Axis {
        low: 0.0,
        high: x_ticks.last().copied().unwrap_or(1.0),
        from: LEFT,
        to: WIDTH - RIGHT,
    };
    let y = Axis {
        low: 0.0,
        high: 1.0,
        from: HEIGHT - BOTTOM,
        to: TOP,
    };
    let describe = |name: &str, ecdf: Option<&Ecdf>| match ecdf {
        Some(ecdf) if ecdf.is_exact() => {
            format!("{name}: n={}, every latency", ecdf.sample_count())
        }
        Some(ecdf) => format!(
            "{name}: n={}, {} quantile knots with the exact minimum and maximum",
            ecdf.sample_count(),
            ecdf.knots().len()
        ),
        None => format!("{name}: no latencies"),
    };
    let mut description = format!(
        "Cumulative distribution of latencies. {}. {}.",
        describe("This run (solid line)", current),
        describe("Baseline (dashed line)", baseline)
    );
    for marker in markers {
        let _ = write!(description, " Budget {} (dotted line).", marker.label);
    }
    let mut out = String::new();
    open_svg(
        &mut out,
        id,
        "chart ecdf",
        HEIGHT,
        &format!("Latency distribution of {group}"),
        &description,
    );
    let y_ticks: Vec<(f64, String)> = [0.0, 0.25, 0.5, 0.75, 1.0]
        .iter()
        .map(|p| (*p, format!("{}%", fixed(p * 100.0, 0))))
        .collect();
    frame(
        &mut out,
        x,
        y,
        (&x_ticks, decimals),
        &y_ticks,
        "latency (ms)",
    );
    if let Some(ecdf) = baseline {
        let _ = write!(
            out,
            "<path class=\"baseline\" d=\"{}\"/>",
            ecdf_path(ecdf, x, y)
        );
    }
    if let Some(ecdf) = current {
        let _ = write!(
            out,
            "<path class=\"current\" d=\"{}\"/>",
            ecdf_path(ecdf, x, y)
        );
    }
    for (index, marker) in markers.iter().enumerate() {
        let position = coordinate(x.at(marker.limit_ms));
        let class = if marker.failed {
            "budget failed"
        } else {
            "budget"
        };
        let label = if marker.failed {
            format!("FAIL {}", marker.label)
        } else {
            marker.label.clone()
        };
        let _ = write!(
            out,
            "<g class=\"{class}\"><line x1=\"{position}\" y1=\"{}\" x2=\"{position}\" y2=\"{}\"/>\
             <text x=\"{position}\" y=\"{}\" dx=\"3\">{}</text></g>",
            coordinate(y.from),
            coordinate(y.to - 4.0),
            coordinate(TOP - 16.0 + 10.0 * (index % 2) as f64),
            html(&label)
        );
        if let Some(whisker) = &marker.whisker {
            let level = coordinate(y.at(whisker.probability));
            let (low, high) = (
                coordinate(x.at(whisker.low_ms)),
                coordinate(x.at(whisker.high_ms)),
            );
            let _ = write!(
                out,
                "<g class=\"whisker\"><line x1=\"{low}\" y1=\"{level}\" x2=\"{high}\" y2=\"{level}\"/>\
                 <line x1=\"{low}\" y1=\"{}\" x2=\"{low}\" y2=\"{}\"/><line x1=\"{high}\" y1=\"{}\" x2=\"{high}\" y2=\"{}\"/>\
                 <circle cx=\"{}\" cy=\"{level}\" r=\"3.5\"/></g>",
                coordinate(y.at(whisker.probability) - 5.0),
                coordinate(y.at(whisker.probability) + 5.0),
                coordinate(y.at(whisker.probability) - 5.0),
                coordinate(y.at(whisker.probability) + 5.0),
                coordinate(x.at(whisker.observed_ms)),
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// A horizontal bar of the error rate, with the budget limit as a labelled tick when there is
/// one.
pub(super) fn error_chart(
    id: &str,
    group: &str,
    errors: u64,
    known: u64,
    limit: Option<f64>,
) -> String {
    let rate = if known == 0 {
        0.0
    } else {
        errors as f64 / known as f64
    };
    let high = rate.max(limit.unwrap_or(0.0)).max(0.01) * 1.25;
    let x = Axis {
        low: 0.0,
        high: high.min(1.0),
        from: LEFT,
        to: WIDTH - RIGHT,
    };
    let height = 34.0;
    let text = format!(
        "error rate {}% ({errors} of {known} with a known outcome)",
        fixed(rate * 100.0, 2)
    );
    let mut out = String::new();
    open_svg(
        &mut out,
        id,
        "chart errors",
        height,
        &format!("Error rate of {group}"),
        &text,
    );
    let _ = write!(
        out,
        "<rect class=\"track\" x=\"{}\" y=\"4\" width=\"{}\" height=\"14\"/>\
         <rect class=\"bar\" x=\"{}\" y=\"4\" width=\"{}\" height=\"14\"/>\
         <text x=\"{}\" y=\"30\">{}</text>",
        coordinate(x.from),
        coordinate(x.to - x.from),
        coordinate(x.from),
        coordinate(x.at(rate) - x.from),
        coordinate(x.from),
        html(&text)
    );
    if let Some(limit) = limit {
        let position = coordinate(x.at(limit));
        let _ = write!(
            out,
            "<g class=\"budget\"><line x1=\"{position}\" y1=\"1\" x2=\"{position}\" y2=\"21\"/>\
             <text x=\"{position}\" y=\"30\" dx=\"3\">limit {}%</text></g>",
            fixed(limit * 100.0, 2)
        );
    }
    out.push_str("</svg>");
    out
}

/// One measure check as a bar (`peak_rss_mb max`, `throughput_rps min`): the observed value, its
/// confidence interval as a whisker when it has one, the limit as a line. `caption` and
/// `limit_label` are the caller's formatted texts (value with unit, the comparison).
pub(super) fn measure_chart(
    id: &str,
    title: &str,
    observed: f64,
    interval: Option<(f64, f64)>,
    limit: f64,
    caption: &str,
    limit_label: &str,
) -> String {
    let top = interval.map_or(observed, |(_, high)| high.max(observed));
    let high = top.max(limit) * 1.25;
    let x = Axis {
        low: 0.0,
        high: if high > 0.0 { high } else { 1.0 },
        from: LEFT,
        to: WIDTH - RIGHT,
    };
    let mut out = String::new();
    open_svg(&mut out, id, "chart measure", 34.0, title, caption);
    let _ = write!(
        out,
        "<rect class=\"track\" x=\"{}\" y=\"4\" width=\"{}\" height=\"14\"/>\
         <rect class=\"bar\" x=\"{}\" y=\"4\" width=\"{}\" height=\"14\"/>",
        coordinate(x.from),
        coordinate(x.to - x.from),
        coordinate(x.from),
        coordinate(x.at(observed) - x.from),
    );
    if let Some((low, high)) = interval {
        let _ = write!(
            out,
            "<g class=\"whisker\"><line x1=\"{low_x}\" y1=\"11\" x2=\"{high_x}\" y2=\"11\"/>\
             <line x1=\"{low_x}\" y1=\"7\" x2=\"{low_x}\" y2=\"15\"/>\
             <line x1=\"{high_x}\" y1=\"7\" x2=\"{high_x}\" y2=\"15\"/></g>",
            low_x = coordinate(x.at(low)),
            high_x = coordinate(x.at(high)),
        );
    }
    let position = coordinate(x.at(limit));
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"30\">{}</text><g class=\"budget\"><line x1=\"{position}\" y1=\"1\" \
         x2=\"{position}\" y2=\"21\"/><text x=\"{position}\" y=\"30\" dx=\"3\">{}</text></g></svg>",
        coordinate(x.from),
        html(caption),
        html(limit_label),
    );
    out
}

/// One metric's history: a value per run, the runs where a change point was detected and the
/// runs whose environment differed from the one before. The input of [`series_chart`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// What the values are, e.g. `p95 of api/get`.
    pub title: String,
    /// `(run, value_ms)`, ascending in run (a run number or a time in seconds).
    pub points: Vec<(f64, f64)>,
    /// The runs where the series changed level.
    pub change_points: Vec<f64>,
    /// The runs whose environment (machine, toolchain) changed.
    pub environment_changes: Vec<f64>,
}

/// A history series as an inline SVG: the line (LTTB-down-sampled to [`SERIES_MAX_POINTS`]),
/// a circle on each drawn point, change points as solid verticals with a triangle and
/// `change`, environment changes as dotted verticals with a diamond and `env`. `id` must be
/// unique in the page.
pub fn series_chart(id: &str, series: &Series) -> String {
    let kept = lttb(&series.points, SERIES_MAX_POINTS);
    let points: Vec<(f64, f64)> = kept.iter().map(|&index| series.points[index]).collect();
    let (first_run, last_run) = match (points.first(), points.last()) {
        (Some(first), Some(last)) => (first.0, last.0),
        _ => (0.0, 1.0),
    };
    let y_max = points.iter().map(|point| point.1).fold(0.0, f64::max);
    let (y_values, decimals) = ticks(y_max * 1.05);
    let y = Axis {
        low: 0.0,
        high: y_values.last().copied().unwrap_or(1.0),
        from: HEIGHT - BOTTOM,
        to: TOP,
    };
    let x = Axis {
        low: first_run,
        high: last_run,
        from: LEFT,
        to: WIDTH - RIGHT,
    };
    let description = format!(
        "{} over {} runs ({} drawn); {} change point(s) marked with triangles and solid lines, {} \
         environment change(s) marked with diamonds and dotted lines.",
        series.title,
        series.points.len(),
        points.len(),
        series.change_points.len(),
        series.environment_changes.len()
    );
    let mut out = String::new();
    open_svg(
        &mut out,
        id,
        "chart series",
        HEIGHT,
        &series.title,
        &description,
    );
    let y_ticks: Vec<(f64, String)> = y_values
        .iter()
        .map(|value| (*value, fixed(*value, decimals)))
        .collect();
    let x_ticks = [first_run, last_run];
    frame(&mut out, x, y, (&x_ticks, 0), &y_ticks, "run");
    let mut path = String::new();
    for (index, (run, value)) in points.iter().enumerate() {
        let _ = write!(
            path,
            "{}{} {}",
            if index == 0 { "M" } else { "L" },
            coordinate(x.at(*run)),
            coordinate(y.at(*value))
        );
    }
    let _ = write!(
        out,
        "<path class=\"current\" d=\"{path}\"/><g class=\"points\">"
    );
    if points.len() <= 60 {
        for (run, value) in &points {
            let _ = write!(
                out,
                "<circle cx=\"{}\" cy=\"{}\" r=\"2.5\"/>",
                coordinate(x.at(*run)),
                coordinate(y.at(*value))
            );
        }
    }
    out.push_str("</g>");
    for run in &series.change_points {
        let position = x.at(*run);
        let _ = write!(
            out,
            "<g class=\"change\"><line x1=\"{p}\" y1=\"{}\" x2=\"{p}\" y2=\"{}\"/>\
             <path d=\"M{p} {} l-5 -8 h10 z\"/><text x=\"{p}\" y=\"{}\" dx=\"6\">change</text></g>",
            coordinate(y.from),
            coordinate(y.to),
            coordinate(y.to),
            coordinate(y.to - 10.0),
            p = coordinate(position),
        );
    }
    for run in &series.environment_changes {
        let position = x.at(*run);
        let _ = write!(
            out,
            "<g class=\"env\"><line x1=\"{p}\" y1=\"{}\" x2=\"{p}\" y2=\"{}\"/>\
             <path d=\"M{p} {} l-5 5 l5 5 l5 -5 z\"/><text x=\"{p}\" y=\"{}\" dx=\"6\">env</text></g>",
            coordinate(y.from),
            coordinate(y.to),
            coordinate(y.from - 10.0),
            coordinate(y.from - 2.0),
            p = coordinate(position),
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        assert_eq!(ticks(87.0), (vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0], 0));
        assert_eq!(ticks(0.42).0.last().copied(), Some(0.5));
        assert_eq!(ticks(0.42).1, 1);
        assert_eq!(ticks(0.0).0.last().copied(), Some(1.0));
    }

    #[test]
    fn a_series_marks_change_points_and_environment_changes_and_is_down_sampled() {
        let points: Vec<(f64, f64)> = (0..5_000)
            .map(|run| (f64::from(run), if run < 2_500 { 10.0 } else { 14.0 }))
            .collect();
        let series = Series {
            title: "p95 of api/<get>".to_owned(),
            points,
            change_points: vec![2_500.0],
            environment_changes: vec![4_000.0],
        };
        let svg = series_chart("s0", &series);
        assert!(svg.contains("p95 of api/&lt;get&gt; over 5000 runs (400 drawn)"));
        assert_eq!(svg.matches("<g class=\"change\">").count(), 1);
        assert_eq!(svg.matches("<g class=\"env\">").count(), 1);
        assert!(svg.contains(">change</text>") && svg.contains(">env</text>"));
        // 400 points: one move and 399 line segments.
        let path_start = svg.find("class=\"current\" d=\"").unwrap();
        let path = &svg[path_start..];
        let path = &path[..path.find("\"/>").unwrap()];
        assert_eq!(path.matches('L').count(), 399);
        // The change point sits at x = 56 + 2500/4999 * 568.
        assert!(svg.contains("<line x1=\"340.1\""));
        assert!(svg.contains("<path class=\"grid\" d=\"M56 28V200M624 28V200"));
    }

    #[test]
    fn an_empty_series_still_draws_a_frame() {
        let svg = series_chart("s1", &Series::default());
        assert!(svg.starts_with("<svg class=\"chart series\""));
        assert!(svg.ends_with("</svg>"));
    }
}

#[cfg(test)]
mod path_tests {
    use super::*;

    fn axes() -> (Axis, Axis) {
        (
            Axis {
                low: 0.0,
                high: 10.0,
                from: 0.0,
                to: 100.0,
            },
            Axis {
                low: 0.0,
                high: 1.0,
                from: 100.0,
                to: 0.0,
            },
        )
    }

    #[test]
    fn an_exact_ecdf_is_drawn_as_steps() {
        let ecdf = Ecdf::of_order_statistics(&[1.0, 2.0, 2.0, 5.0], 4, 128).unwrap();
        let (x, y) = axes();
        assert_eq!(ecdf_path(&ecdf, x, y), "M10 100v-25h10v-25v-25h30v-25");
    }

    #[test]
    fn a_sampled_ecdf_is_drawn_through_its_knots_and_ends_at_the_maximum() {
        let values: Vec<f64> = (0..1_000).map(|i| f64::from(i) / 100.0).collect();
        let ecdf = Ecdf::of_order_statistics(&values, 1_000, 128).unwrap();
        let (x, y) = axes();
        let path = ecdf_path(&ecdf, x, y);
        assert!(path.starts_with("M0 100l0.8-0.9l0.8-0.8"), "{path}");
        // The relative moves add up to the maximum at 100%.
        let (mut dx, mut dy) = (0.0, 0.0);
        for segment in path.split('l').skip(1) {
            let split = segment[1..]
                .find(['-', ' '])
                .map_or(segment.len(), |i| i + 1);
            dx += segment[..split].trim().parse::<f64>().unwrap();
            dy += segment[split..].trim().parse::<f64>().unwrap();
        }
        assert!((dx - 99.9).abs() < 1e-6, "{dx}");
        assert!((dy + 100.0).abs() < 1e-6, "{dy}");
    }
}
