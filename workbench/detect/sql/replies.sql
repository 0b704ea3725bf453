-- Shared input of the repeated-reply and ping-pong detectors: what each agent said. A reply is the
-- text of a move — an LLM call, a hand-off, a human turn, or an agent step with no steps under it
-- (a Who&When turn) —; an agent span that wraps LLM calls repeats what they said, so it is not
-- counted again. The text is what a person would read: the "text" / "content" strings of a JSON
-- message (OpenAI, Anthropic, Gemini, LangChain), nothing for a message that only calls tools (its
-- empty content, or no content at all beside a tool call), else the output itself (a plain string,
-- or a structured decision such as {"action": "handoff", ...}).
-- Kept per reply: a hash of the whole text with case and whitespace left out (the same reply), its
-- length and its words (counted by the spaces between them), and, for a reply of 80 characters or
-- more, its first 2,000 characters: two such replies may be nearly the same, which the detectors
-- tell by their word sets, built only for pairs of about the same length (~0.1 s per MB of text).
-- In a shorter reply one word is the difference between two answers: only the same text repeats it.
-- Agent steps with steps under them: spans, not moves — when their agent's calls say something.
-- Semantic Kernel's LLM spans carry no text (its diagnostics log the messages as OTel log records),
-- only its invoke_agent span has the reply: there the agent span is the move.
CREATE OR REPLACE TEMP TABLE det_wrappers AS
SELECT DISTINCT c.run_id, c.parent_id AS step_id FROM steps c
SEMI JOIN (SELECT run_id, step_id FROM steps a SEMI JOIN det_scope USING (run_id)
           SEMI JOIN (SELECT DISTINCT run_id, agent FROM steps SEMI JOIN det_scope USING (run_id)
                      WHERE kind IN ('llm', 'handoff', 'human') AND output IS NOT NULL
                        AND steps.rowid BETWEEN $row_lo AND $row_hi) said
             ON said.run_id = a.run_id AND said.agent IS NOT DISTINCT FROM a.agent
           WHERE a.kind = 'agent' AND a.rowid BETWEEN $row_lo AND $row_hi) a
  ON a.run_id = c.run_id AND a.step_id = c.parent_id
WHERE c.rowid BETWEEN $row_lo AND $row_hi;

-- Plain-text replies here, JSON messages in the next statement: a statement holding the regexes
-- that read a JSON message costs a tenth of a second more per million plain replies even when no
-- row reaches them (measured).
CREATE OR REPLACE TEMP TABLE det_replies AS
WITH texts AS (
    SELECT run_id, step_id, seq, agent, output AS txt
    FROM steps s SEMI JOIN det_scope USING (run_id) ANTI JOIN det_wrappers w USING (run_id, step_id)
    WHERE kind IN ('llm', 'agent', 'handoff', 'human') AND output IS NOT NULL AND s.rowid BETWEEN $row_lo AND $row_hi
      AND NOT (ascii(ltrim(output)) IN (123, 91) AND json_valid(output))
)
SELECT run_id, step_id, seq, agent, CASE WHEN n_chars >= 80 THEN left(txt, 2000) END AS txt, n_chars,
       hash(packed) AS h, n_chars - length(packed) + 1 AS n_words  -- words: the blanks between them, plus one
FROM (SELECT run_id, step_id, seq, agent, txt, length(txt) AS n_chars, det_squeezed(txt) AS packed
      FROM texts WHERE txt IS NOT NULL)
WHERE packed <> '';

INSERT INTO det_replies
-- materialised: the filters on the text below would otherwise run the regexes on every reply
WITH texts AS MATERIALIZED (
    SELECT run_id, step_id, seq, agent,
           CASE WHEN regexp_matches(output, '"(?:text|content)"\s*:\s*"')
                    THEN array_to_string(regexp_extract_all(output, '"(?:text|content)"\s*:\s*"((?:[^"\\]|\\.)*)"', 1), ' ')
                WHEN regexp_matches(output, '(?i)tool_?calls?|function_?call|tool_?use|"tool(?:_?name)?"\s*:|"arguments"\s*:') THEN NULL
                ELSE output END AS txt
    FROM steps s SEMI JOIN det_scope USING (run_id) ANTI JOIN det_wrappers w USING (run_id, step_id)
    WHERE kind IN ('llm', 'agent', 'handoff', 'human') AND output IS NOT NULL AND s.rowid BETWEEN $row_lo AND $row_hi
      AND ascii(ltrim(output)) IN (123, 91) AND json_valid(output)
)
SELECT run_id, step_id, seq, agent, CASE WHEN n_chars >= 80 THEN left(txt, 2000) END AS txt, n_chars,
       hash(packed) AS h, n_chars - length(packed) + 1 AS n_words  -- words: the blanks between them, plus one
FROM (SELECT run_id, step_id, seq, agent, txt, length(txt) AS n_chars, det_squeezed(txt) AS packed
      FROM texts WHERE txt IS NOT NULL)
WHERE packed <> '';
