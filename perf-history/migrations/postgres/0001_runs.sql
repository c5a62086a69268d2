-- perf-history schema, version 1 (PostgreSQL dialect): runs and everything recorded with them.
-- The SQLite dialect (../sqlite/0001_runs.sql) has the same tables, columns and meaning.
CREATE TABLE runs (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time              TEXT    NOT NULL,
    commit_sha        TEXT,
    branch            TEXT,
    source            TEXT    NOT NULL,
    budgets_hash      TEXT,
    baseline_hash     TEXT,
    run_baseline_hash TEXT,
    environment       TEXT    NOT NULL,
    environment_json  TEXT    NOT NULL,
    perf_gate_version TEXT    NOT NULL,
    quantile_method   TEXT    NOT NULL,
    confidence_level  DOUBLE PRECISION    NOT NULL
);

CREATE TABLE group_stats (
    run_id              BIGINT  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool                TEXT    NOT NULL,
    step                TEXT    NOT NULL,
    count_ok            BIGINT  NOT NULL,
    count_errors        BIGINT  NOT NULL,
    count_unknown       BIGINT  NOT NULL,
    sample_count        BIGINT  NOT NULL,
    mean                DOUBLE PRECISION,
    mean_ci_low         DOUBLE PRECISION,
    mean_ci_high        DOUBLE PRECISION,
    min                 DOUBLE PRECISION,
    max                 DOUBLE PRECISION,
    error_rate          DOUBLE PRECISION,
    error_rate_ci_low   DOUBLE PRECISION,
    error_rate_ci_high  DOUBLE PRECISION,
    PRIMARY KEY (run_id, tool, step)
);

CREATE TABLE percentiles (
    run_id  BIGINT  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool    TEXT    NOT NULL,
    step    TEXT    NOT NULL,
    rank    DOUBLE PRECISION    NOT NULL,
    value   DOUBLE PRECISION    NOT NULL,
    ci_low  DOUBLE PRECISION,
    ci_high DOUBLE PRECISION,
    PRIMARY KEY (run_id, tool, step, rank)
);

CREATE TABLE samples (
    run_id       BIGINT  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool         TEXT    NOT NULL,
    step         TEXT    NOT NULL,
    encoding     TEXT    NOT NULL,
    sample_count BIGINT  NOT NULL,
    data         BYTEA    NOT NULL,
    PRIMARY KEY (run_id, tool, step)
);

CREATE TABLE verdicts (
    run_id      BIGINT  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    position    BIGINT  NOT NULL,
    tool        TEXT    NOT NULL,
    step        TEXT    NOT NULL,
    rule        TEXT    NOT NULL,
    metric      TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    severity    TEXT,
    observed    DOUBLE PRECISION,
    limit_value DOUBLE PRECISION,
    delta       DOUBLE PRECISION,
    p_value     DOUBLE PRECISION,
    PRIMARY KEY (run_id, position)
);

CREATE TABLE change_points (
    run_id      BIGINT  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    position    BIGINT  NOT NULL,
    tool        TEXT    NOT NULL,
    step        TEXT    NOT NULL,
    metric      TEXT    NOT NULL,
    at_run      BIGINT  NOT NULL,
    kind        TEXT    NOT NULL,
    before      DOUBLE PRECISION    NOT NULL,
    after       DOUBLE PRECISION    NOT NULL,
    change      DOUBLE PRECISION    NOT NULL,
    p_value     DOUBLE PRECISION,
    PRIMARY KEY (run_id, position)
);

CREATE TABLE annotations (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id  BIGINT  NOT NULL REFERENCES runs (id),
    tool    TEXT,
    step    TEXT,
    kind    TEXT    NOT NULL,
    note    TEXT    NOT NULL,
    time    TEXT    NOT NULL
);
