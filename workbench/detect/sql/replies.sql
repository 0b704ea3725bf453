-- Shared input of the repeated-reply and ping-pong detectors: what each agent said. A reply is the
-- text of a move — an LLM call, a hand-off, a human turn, or an agent step with no steps under it
-- (a Who&When turn) —; an agent span that wraps LLM calls repeats what they said, so it is not
-- counted again. The text is what a person would read: the "text" / "content" strings of a JSON
-- message (OpenAI, Anthropic, Gemini, LangChain), nothing for a message that only calls tools (its
-- empty content, or no content at all beside a tool call), else the output itself (a plain string,
-- or a structured decision such as {"action": "handoff", ...}).
-- Kept per reply: its first 2,000 characters (enough to tell two replies apart; the word sets the
-- detectors compare are built from them, and only for pairs of replies that may be nearly the same:
-- building them costs ~0.1 s per MB of text), its length, a hash of the whole text with case and
-- whitespace left out, and its words (counted by the spaces between them).
CREATE OR REPLACE TEMP TABLE det_replies AS
WITH moves AS (
    SELECT run_id, step_id, seq, agent, kind, output FROM steps SEMI JOIN det_scope USING (run_id)
    WHERE kind IN ('llm', 'agent', 'handoff', 'human') AND output IS NOT NULL
      AND steps.rowid BETWEEN $row_lo AND $row_hi
),
-- agent steps with steps under them: spans, not moves
wrappers AS (
    SELECT DISTINCT c.run_id, c.parent_id AS step_id FROM steps c
    SEMI JOIN (SELECT run_id, step_id FROM moves WHERE kind = 'agent') a ON a.run_id = c.run_id AND a.step_id = c.parent_id
    WHERE c.rowid BETWEEN $row_lo AND $row_hi
),
texts AS (
    SELECT run_id, step_id, seq, agent,
           CASE WHEN NOT (starts_with(ltrim(output), '{') OR starts_with(ltrim(output), '[')) OR NOT json_valid(output)
                    THEN output
                WHEN regexp_matches(output, '"(?:text|content)"\s*:\s*"')
                    THEN array_to_string(regexp_extract_all(output, '"(?:text|content)"\s*:\s*"((?:[^"\\]|\\.)*)"', 1), ' ')
                WHEN regexp_matches(output, '(?i)tool_?calls?|function_?call|tool_?use|"tool(?:_?name)?"\s*:|"arguments"\s*:') THEN NULL
                ELSE output END AS txt
    FROM moves m ANTI JOIN wrappers w USING (run_id, step_id)
),
flat AS (
    -- RE2's \s is these five characters; plain replaces cost a fraction of a regex
    SELECT run_id, step_id, seq, agent, txt,
           lower(replace(replace(replace(replace(replace(txt, ' ', ''), chr(9), ''), chr(10), ''), chr(12), ''),
                         chr(13), '')) AS packed,
           trim(replace(replace(replace(txt, chr(9), ' '), chr(10), ' '), chr(13), ' ')) AS spaced
    FROM texts WHERE txt IS NOT NULL
)
SELECT run_id, step_id, seq, agent, left(txt, 2000) AS txt, length(txt) AS n_chars, hash(packed) AS h,
       length(spaced) - length(replace(spaced, ' ', '')) + 1 AS n_words
FROM flat
WHERE packed <> '';
