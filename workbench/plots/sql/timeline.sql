-- The moves of one run ($run_id) for its timeline, with what the detectors said about each:
-- flagged = a warning or critical finding points at it; built_on_fault = a cascade's downstream step.
SELECT s.step_id, s.seq, s.agent, s.kind, s.name, s.tool, s.model, s.status, s.error,
       s.started_at, coalesce(s.ended_at, s.started_at) AS ended_at, s.latency_ms,
       s.confidence, s.entropy,
       coalesce(f.flagged, false) AS flagged,
       coalesce(f.built_on_fault, false) AS built_on_fault,
       coalesce(f.detectors, '') AS detectors
FROM steps s
LEFT JOIN (
    SELECT step_id,
           bool_or(severity <> 'info') AS flagged,
           bool_or(detector = 'cascade' AND severity = 'info') AS built_on_fault,
           string_agg(DISTINCT detector, ', ' ORDER BY detector) AS detectors
    FROM findings
    WHERE run_id = $run_id AND step_id IS NOT NULL
    GROUP BY step_id
) f USING (step_id)
WHERE s.run_id = $run_id AND s.kind IN ('llm', 'tool', 'handoff', 'human', 'retriever', 'other')
ORDER BY s.seq
LIMIT $max_steps
