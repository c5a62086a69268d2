-- perf-history schema, version 3 (SQLite dialect): record measures beside latency. Per run, group
-- and measure (peak_rss_mb, allocs, ...) the statistics a budget checks, as group_stats and
-- percentiles hold them for latency, and the compact raw values; per group the derived
-- throughput. The PostgreSQL dialect (../postgres/0003_measures.sql) has the same tables, columns
-- and meaning.
CREATE TABLE measure_stats (
    run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool         TEXT    NOT NULL,
    step         TEXT    NOT NULL,
    measure      TEXT    NOT NULL,
    sample_count INTEGER NOT NULL,
    mean         REAL,
    mean_ci_low  REAL,
    mean_ci_high REAL,
    min          REAL,
    max          REAL,
    PRIMARY KEY (run_id, tool, step, measure)
);

CREATE TABLE measure_percentiles (
    run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool    TEXT    NOT NULL,
    step    TEXT    NOT NULL,
    measure TEXT    NOT NULL,
    rank    REAL    NOT NULL,
    value   REAL    NOT NULL,
    ci_low  REAL,
    ci_high REAL,
    PRIMARY KEY (run_id, tool, step, measure, rank)
);

CREATE TABLE measure_samples (
    run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool         TEXT    NOT NULL,
    step         TEXT    NOT NULL,
    measure      TEXT    NOT NULL,
    encoding     TEXT    NOT NULL,
    sample_count INTEGER NOT NULL,
    data         BLOB    NOT NULL,
    PRIMARY KEY (run_id, tool, step, measure)
);

-- Records per second over the group's records' time span, (N - 1) / T; NULL when it has none
-- (fewer than two records, or a zero span), and for runs recorded before version 3.
ALTER TABLE group_stats ADD COLUMN throughput_rps REAL;

CREATE INDEX measure_stats_group ON measure_stats (tool, step, measure, run_id);
CREATE INDEX measure_percentiles_group ON measure_percentiles (tool, step, measure, rank, run_id);
