-- The store's tables: the contract between ingest, detectors, attribution, thresholds and policy.
-- Schema version 5. Timestamps are UTC without zone. JSON columns hold the source's extra attributes.

-- Key/value facts about the store itself (schema_version).
CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

-- One row per run: a trace, a task, a Who&When record.
-- outcome: 'success' | 'failure' | 'unknown'; outcome_source says where it came from
-- ('label' > 'declared' by the log > 'root_status' of the root span > 'none').
-- reported_outcome is what the system itself said (declared, else root status), whatever the labels
-- say: a silent failure is reported 'success' with outcome 'failure'.
CREATE TABLE IF NOT EXISTS runs (
    run_id          VARCHAR PRIMARY KEY,
    source          VARCHAR,
    system          VARCHAR,
    started_at      TIMESTAMP,
    ended_at        TIMESTAMP,
    outcome         VARCHAR,
    outcome_source  VARCHAR,
    outcome_detail  VARCHAR,
    declared_outcome VARCHAR,
    reported_outcome VARCHAR,
    task            VARCHAR,
    n_steps         BIGINT,
    attributes      JSON
);

-- One row per agent move: every source span or turn becomes exactly one step. (run_id, step_id) is
-- unique, kept so by the ingest's anti-join rather than an index: an ART index over millions of steps
-- costs more memory and insert time than the whole of the rest of the ingest.
-- agent is inherited from the nearest agent ancestor when the step declares none (agent_own).
-- status: 'ok' | 'error' | 'unset' (OpenTelemetry's unset kept apart, it is not a success claim).
CREATE TABLE IF NOT EXISTS steps (
    run_id      VARCHAR NOT NULL,
    step_id     VARCHAR NOT NULL,
    parent_id   VARCHAR,
    seq         BIGINT,
    depth       INTEGER,
    agent       VARCHAR,
    agent_own   VARCHAR,
    kind        VARCHAR,
    name        VARCHAR,
    tool        VARCHAR,
    model       VARCHAR,
    started_at  TIMESTAMP,
    ended_at    TIMESTAMP,
    latency_ms  DOUBLE,
    status      VARCHAR,
    error       VARCHAR,
    input       VARCHAR,
    output      VARCHAR,
    tokens_in   BIGINT,
    tokens_out  BIGINT,
    cost        DOUBLE,
    confidence  DOUBLE,
    entropy     DOUBLE,
    attributes  JSON,
    source      VARCHAR,
    file        VARCHAR,
    line        BIGINT,
    order_hint  BIGINT
);

-- The steps that carry one span link (attribute otel.links), by the span they link to: the roots a span of a
-- later call may continue (ingest/_links.py), found without reading every stored step's attributes (a scan that
-- grew with the store, ~20 ms a call at 2M steps). Kept by the ingest and an export's merge as they store steps
-- (store/_linked_roots.py); a superset: each row found is checked against its step, which may since have moved
-- into another run or changed. Not exported: a store that merges an export makes its own.
CREATE TABLE IF NOT EXISTS linked_roots (
    run_id       VARCHAR NOT NULL,
    step_id      VARCHAR NOT NULL,
    linked_trace VARCHAR,
    linked_span  VARCHAR
);

-- The steps whose own agent (steps.agent_own) the ingest's naming rules gave, where their log named none: the
-- loops and components of a run whose spans name no agent (ingest/_step_agents.loop_agents). A later call that
-- brings more of such a run names its steps again over the whole stored run (store/_stored_rules.py), which needs
-- to tell a log's names from the rules' (one call of all the logs names them so). Kept by the ingest; exported
-- (store/_export_kept.py) and merged back (an export written before it has none: its names read as the log's).
CREATE TABLE IF NOT EXISTS rule_agents (
    run_id   VARCHAR NOT NULL,
    step_id  VARCHAR NOT NULL
);

-- The tool steps the ingest read out of a model call's messages (ingest/_message_tools.py), not the log's: a later
-- call removes them from a run its spans show to trace tools, and reads them as made up (store/_stored_rules.py).
-- Told by this table, not by their attributes' workbench.tool_call_from, which a log's own step may hold too.
-- Kept by the ingest; exported and merged back (an export written before it: told by the marker, as before).
CREATE TABLE IF NOT EXISTS derived_tools (
    run_id   VARCHAR NOT NULL,
    step_id  VARCHAR NOT NULL
);

-- The hand-offs whose output (the agent handed to) the ingest's rule gave, where their log named none: the first
-- other agent to start after them in their run (store/sql/handoff_targets.sql). A later call bringing more of the
-- run names them again over the whole stored run (stored_handoff_targets.sql), which needs to tell a log's output
-- from the rule's. Kept by the ingest; exported and merged back (store/_export_kept.py).
CREATE TABLE IF NOT EXISTS rule_handoffs (
    run_id   VARCHAR NOT NULL,
    step_id  VARCHAR NOT NULL
);

-- Dependencies between steps: 'parent' (span tree), 'handoff' (work passed to another agent),
-- 'consumes' (dst read the output of src). (run_id, src_step, dst_step, kind) is unique (see steps).
CREATE TABLE IF NOT EXISTS edges (
    run_id    VARCHAR NOT NULL,
    src_step  VARCHAR NOT NULL,
    dst_step  VARCHAR NOT NULL,
    kind      VARCHAR NOT NULL
);

-- Known culprits and outcomes of runs. One run may have several culprits (several faults).
-- outcome, when set, overrides what the log says about the run (the latest outcome label wins).
-- given_by: the person who gave the label (ws.label's by, a labels file's given_by column; else their login name);
-- NULL for a label a log gave, or one stored before schema version 4 kept givers. A log's label identical to a
-- stored one adds nothing (a log ingested again); a person's is a new row unless it is the run's latest outcome
-- label as it stands (the same person saying the same again), so an earlier outcome given again becomes the latest.
CREATE TABLE IF NOT EXISTS labels (
    run_id   VARCHAR NOT NULL,
    agent    VARCHAR,
    step_id  VARCHAR,
    kind     VARCHAR,
    source   VARCHAR,
    outcome  VARCHAR,
    detail   VARCHAR,
    created_at TIMESTAMP DEFAULT current_timestamp,
    given_by VARCHAR
);

-- Detector hits.
CREATE TABLE IF NOT EXISTS findings (
    run_id    VARCHAR NOT NULL,
    step_id   VARCHAR,
    agent     VARCHAR,
    detector  VARCHAR NOT NULL,
    severity  VARCHAR,
    detail    VARCHAR,
    attributes JSON
);

-- Which detectors have run on which runs since the run last changed, and with which settings: a run detected with
-- nothing found has no findings, and told apart so from a run never detected (BlameModel's detect="auto", every
-- frame and prediction, ran the detectors again on every such run, at every call). One row per run and per-run
-- detector (detect/_runner.py's FAMILIES, drift not: it compares periods of the whole history); settings: the
-- fingerprint of the DetectorConfig the findings were computed with (NULL: a store of schema 4 or earlier, whose
-- runs with findings were taken as detected, migration 5). Written by wb.detect with the findings it stores;
-- an ingest call's rows go for every run it touches (refresh_runs.sql: steps, records or labels given, a run
-- extended, moved or relabelled is no longer detected). Kept by the store; an export carries it, and the merge
-- keeps the marks of the runs it brings whole (store/_export_detected.py).
CREATE TABLE IF NOT EXISTS detected (
    run_id    VARCHAR NOT NULL,
    detector  VARCHAR NOT NULL,
    settings  VARCHAR
);

-- Computed credit: one row per (run, method, unit, target).
CREATE TABLE IF NOT EXISTS attributions (
    run_id   VARCHAR NOT NULL,
    method   VARCHAR NOT NULL,
    unit     VARCHAR NOT NULL,
    target   VARCHAR NOT NULL,
    value    DOUBLE,
    ci_low   DOUBLE,
    ci_high  DOUBLE,
    params   JSON,
    created_at TIMESTAMP DEFAULT current_timestamp
);

-- Rejected input records, with where they came from and why. Never silently dropped.
-- raw is the record's source text, at most its first MiB; raw_bytes and raw_sha256 are the length and
-- SHA-256 of the whole record. occurrence numbers identical rejects (same file, line, reason, step and
-- text: three equal bad spans on one line are three rows). (file, line, reason, step_id, raw_sha256,
-- occurrence) is unique: ingesting a file again adds no second copy.
CREATE TABLE IF NOT EXISTS quarantine (
    file     VARCHAR NOT NULL,
    line     BIGINT NOT NULL,
    reason   VARCHAR NOT NULL,
    raw      VARCHAR,
    source   VARCHAR,
    run_id   VARCHAR,
    step_id  VARCHAR,
    created_at TIMESTAMP DEFAULT current_timestamp,
    raw_bytes  BIGINT,
    raw_sha256 VARCHAR,
    occurrence INTEGER DEFAULT 1
);
