-- The moves of one run ($run_id) for its timeline, with what the detectors said about each:
-- flagged = a warning or critical finding points at it; built_on_fault = a cascade's downstream step.
SELECT s.step_id, s.seq, s.agent, s.kind, s.name, s.tool, s.model, s.status, s.error,
       s.started_at, coalesce(s.ended_at, s.started_at) AS ended_at, s.latency_ms,
       s.confidence, s.entropy,
       coalesce(f.flagged, false) AS flagged,
       coalesce(f.built_on_fault, false) AS built_on_fault,
       coalesce(f.detectors, '') AS detectors,
       -- every move of the run, also where a view shows fewer (plots/_windows.py picks them): it says so
       count(*) OVER () AS moves
FROM steps s
LEFT JOIN (
    SELECT coalesce(m.move, f.step_id) AS step_id,
           bool_or(severity <> 'info') AS flagged,
           bool_or(detector = 'cascade' AND severity = 'info') AS built_on_fault,
           string_agg(DISTINCT detector, ', ' ORDER BY detector) AS detectors
    FROM findings f
    LEFT JOIN (
        -- A finding on a scope span (an agent's invoke_agent, DSPy's ChatAdapter call) is drawn on the last move
        -- under it, the one that gave the scope its output: the timeline draws moves only, and the step a
        -- silent failure named was on no row of it (ux33: ADK, DSPy, Semantic Kernel runs showed no red outline).
        -- The run's steps are read once (tree): walked level by level over the store's steps table, a chain of
        -- 5,000 nested spans took 1.3 CPU s (a scan and an anti-join per level).
        WITH RECURSIVE tree AS MATERIALIZED (
            SELECT s.step_id, s.parent_id, s.seq,
                   NOT EXISTS (SELECT 1 FROM steps c WHERE c.run_id = $run_id AND c.parent_id = s.step_id) AS leaf
            FROM steps s WHERE s.run_id = $run_id
        ),
        down(origin, step_id, seq, leaf) AS (
            SELECT t.step_id, t.step_id, t.seq, false FROM tree t
            WHERE NOT t.leaf
              AND t.step_id IN (SELECT step_id FROM findings WHERE run_id = $run_id AND step_id IS NOT NULL)
            UNION ALL
            SELECT d.origin, c.step_id, c.seq, c.leaf
            FROM down d JOIN tree c ON c.parent_id = d.step_id
        )
        SELECT origin, arg_max(step_id, seq) AS move FROM down WHERE leaf GROUP BY origin
    ) m ON m.origin = f.step_id
    WHERE f.run_id = $run_id AND f.step_id IS NOT NULL
    GROUP BY 1
) f USING (step_id)
-- A move is what the log-only model scores as one: every step but the run's root (kind 'system') and the
-- scope spans that hold other steps (an agent span around its LLM and tool calls). A conversation turn
-- (Who&When, AG2: kind 'agent', nothing under it) is a move; a kind list would leave such a run empty.
WHERE s.run_id = $run_id AND coalesce(s.kind, 'other') <> 'system'
  AND NOT EXISTS (SELECT 1 FROM steps c WHERE c.run_id = $run_id AND c.parent_id = s.step_id)
ORDER BY s.seq
