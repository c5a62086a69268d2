-- perf-history schema, version 2 (PostgreSQL dialect): the budget_violations view and the indexes
-- that trends and pruning use. The view has the same name, columns and meaning in SQLite.
CREATE VIEW budget_violations AS
SELECT
    r.id                           AS run,
    r.time                         AS time,
    v.tool                         AS tool,
    v.step                         AS step,
    v.metric                       AS metric,
    v.observed                     AS observed,
    v.limit_value                  AS "limit",
    v.observed - v.limit_value     AS excess
FROM verdicts AS v
JOIN runs AS r ON r.id = v.run_id
WHERE v.rule = 'budget' AND v.status IN ('fail', 'warn');

CREATE INDEX runs_time ON runs (time);
CREATE INDEX group_stats_group ON group_stats (tool, step, run_id);
CREATE INDEX percentiles_group ON percentiles (tool, step, rank, run_id);
CREATE INDEX annotations_run ON annotations (run_id);
CREATE INDEX runs_run_baseline_hash ON runs (run_baseline_hash);
CREATE INDEX runs_baseline_hash ON runs (baseline_hash);
