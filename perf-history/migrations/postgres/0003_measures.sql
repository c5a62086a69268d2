-- perf-history schema, version 3 (PostgreSQL dialect): record measures beside latency. Per run, group
-- and measure (peak_rss_mb, allocs, ...) the statistics a budget checks, as group_stats and
-- percentiles hold them for latency, and the compact raw values; per group the derived
-- throughput. The SQLite dialect (../sqlite/0003_measures.sql) has the same tables, columns
-- and meaning.
CREATE TABLE measure_stats (
    run_id       BIGINT  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool         TEXT    NOT NULL,
    step         TEXT    NOT NULL,
    measure      TEXT    NOT NULL,
    sample_count BIGINT  NOT NULL,
    mean         DOUBLE PRECISION,
    mean_ci_low  DOUBLE PRECISION,
    mean_ci_high DOUBLE PRECISION,
    min          DOUBLE PRECISION,
    max          DOUBLE PRECISION,
    PRIMARY KEY (run_id, tool, step, measure)
);

CREATE TABLE measure_percentiles (
    run_id  BIGINT  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool    TEXT    NOT NULL,
    step    TEXT    NOT NULL,
    measure TEXT    NOT NULL,
    rank    DOUBLE PRECISION NOT NULL,
    value   DOUBLE PRECISION NOT NULL,
    ci_low  DOUBLE PRECISION,
    ci_high DOUBLE PRECISION,
    PRIMARY KEY (run_id, tool, step, measure, rank)
);

CREATE TABLE measure_samples (
    run_id       BIGINT  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool         TEXT    NOT NULL,
    step         TEXT    NOT NULL,
    measure      TEXT    NOT NULL,
    encoding     TEXT    NOT NULL,
    sample_count BIGINT  NOT NULL,
    data         BYTEA   NOT NULL,
    PRIMARY KEY (run_id, tool, step, measure)
);

-- Records per second over the group's records' time span, (N - 1) / T; NULL when it has none
-- (fewer than two records, or a zero span), and for runs recorded before version 3.
ALTER TABLE group_stats ADD COLUMN throughput_rps DOUBLE PRECISION;

CREATE INDEX measure_stats_group ON measure_stats (tool, step, measure, run_id);
CREATE INDEX measure_percentiles_group ON measure_percentiles (tool, step, measure, rank, run_id);
