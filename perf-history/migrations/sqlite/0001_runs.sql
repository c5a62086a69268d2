-- perf-history schema, version 1 (SQLite dialect): runs and everything recorded with them.
-- The PostgreSQL dialect (../postgres/0001_runs.sql) has the same tables, columns and meaning.
CREATE TABLE runs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
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
    confidence_level  REAL    NOT NULL
);

CREATE TABLE group_stats (
    run_id              INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool                TEXT    NOT NULL,
    step                TEXT    NOT NULL,
    count_ok            INTEGER NOT NULL,
    count_errors        INTEGER NOT NULL,
    count_unknown       INTEGER NOT NULL,
    sample_count        INTEGER NOT NULL,
    mean                REAL,
    mean_ci_low         REAL,
    mean_ci_high        REAL,
    min                 REAL,
    max                 REAL,
    error_rate          REAL,
    error_rate_ci_low   REAL,
    error_rate_ci_high  REAL,
    PRIMARY KEY (run_id, tool, step)
);

CREATE TABLE percentiles (
    run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool    TEXT    NOT NULL,
    step    TEXT    NOT NULL,
    rank    REAL    NOT NULL,
    value   REAL    NOT NULL,
    ci_low  REAL,
    ci_high REAL,
    PRIMARY KEY (run_id, tool, step, rank)
);

CREATE TABLE samples (
    run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tool         TEXT    NOT NULL,
    step         TEXT    NOT NULL,
    encoding     TEXT    NOT NULL,
    sample_count INTEGER NOT NULL,
    data         BLOB    NOT NULL,
    PRIMARY KEY (run_id, tool, step)
);

CREATE TABLE verdicts (
    run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    tool        TEXT    NOT NULL,
    step        TEXT    NOT NULL,
    rule        TEXT    NOT NULL,
    metric      TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    severity    TEXT,
    observed    REAL,
    limit_value REAL,
    delta       REAL,
    p_value     REAL,
    PRIMARY KEY (run_id, position)
);

CREATE TABLE change_points (
    run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    tool        TEXT    NOT NULL,
    step        TEXT    NOT NULL,
    metric      TEXT    NOT NULL,
    at_run      INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    before      REAL    NOT NULL,
    after       REAL    NOT NULL,
    change      REAL    NOT NULL,
    p_value     REAL,
    PRIMARY KEY (run_id, position)
);

CREATE TABLE annotations (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id  INTEGER NOT NULL REFERENCES runs (id),
    tool    TEXT,
    step    TEXT,
    kind    TEXT    NOT NULL,
    note    TEXT    NOT NULL,
    time    TEXT    NOT NULL
);
