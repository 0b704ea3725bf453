-- Macros of the detector statements, made once per DuckDB instance in a database of their own (_macros.py: written
-- TEMP here, as a test makes them on a connection of its own).

-- Text with case and whitespace left out: what "the same arguments" (calls.sql) and "the same reply"
-- (replies.sql) compare. RE2's \s is exactly these five characters; plain replaces cost a fraction of
-- a regex.
CREATE OR REPLACE TEMP MACRO det_squeezed(t) AS
    lower(replace(replace(replace(replace(replace(t, ' ', ''), chr(9), ''), chr(10), ''), chr(12), ''), chr(13), ''));

-- A JSON object or array (with a comma: one member cannot be reordered) the same call whatever the order of
-- its keys: every value's path (json_tree's fullkey) and value, sorted, joined by chr(31); numbers in one form
-- (1, 1.0 and 1e0 alike: an integral double below 2^53 as an integer, any other as DuckDB writes a double).
-- Any other text as it is (and one past 65,536 characters: policy/_call_keys.py CANONICAL_CHARS), and so, on both sides, a trailing comma or an escaped surrogate (read by one of
-- DuckDB's reader and Python's json only) and a number written with letters (nan, inf: DuckDB's reader only).
-- The guard's mirror is policy/_call_keys.py canonical: keep the two equal (tests/policy/test_guard36_canonical_args.py
-- compares them). json_tree reads '[]' where the text is no JSON (a CASE does not spare a subquery the text).
CREATE OR REPLACE TEMP MACRO det_canonical(t) AS CASE
    WHEN length(t) <= 65536 AND ltrim(t)[1] IN ('{', '[') AND contains(t, ',')
         AND NOT regexp_matches(t, ',[ \t\n\r]*[\]}]|\\u[dD][89a-fA-F]')
         AND json_valid(t)
    THEN coalesce((
        SELECT CASE WHEN NOT bool_or(j.type = 'DOUBLE' AND regexp_matches(j.atom, '[a-df-zA-DF-Z]')) THEN
               string_agg(j.fullkey || '=' || j.v, chr(31) ORDER BY j.fullkey, j.v) END
        FROM (SELECT fullkey, type, atom,
                     CASE type WHEN 'VARCHAR' THEN 's' || (value ->> '$') WHEN 'OBJECT' THEN 'o' WHEN 'ARRAY' THEN 'a'
                               WHEN 'NULL' THEN 'z' WHEN 'BOOLEAN' THEN 'b' || atom
                               WHEN 'DOUBLE' THEN 'n' || CASE WHEN CAST(atom AS DOUBLE) = trunc(CAST(atom AS DOUBLE))
                                                                   AND abs(CAST(atom AS DOUBLE)) < 9007199254740992
                                                              THEN CAST(CAST(CAST(atom AS DOUBLE) AS BIGINT) AS VARCHAR)
                                                              ELSE CAST(CAST(atom AS DOUBLE) AS VARCHAR) END
                               ELSE 'n' || atom END AS v
              FROM json_tree(CASE WHEN json_valid(t) THEN t ELSE '[]' END)) j), t)
    ELSE t END;

-- A tool call's arguments as the loop and retry detectors compare them (calls.sql): without the id
-- the LLM API gave the call (Bedrock's tooluse_…, Anthropic's toolu_…, OpenAI's call_…, which
-- Strands and others log beside the arguments: a failed call made again gets a new id but is the
-- same call), then squeezed. call_ is a common word, so it counts as an id only in OpenAI's shape
-- (20 letters or digits and more) or as the value of an id key. Ids go first, while the spaces
-- still separate them from the words before. The guard's mirror is policy/_call_keys.py _CALL_IDS:
-- keep the two equal (ASCII classes only, so RE2 and Python's re read the pattern alike).
CREATE OR REPLACE TEMP MACRO det_call_ids_out(t) AS regexp_replace(t,
    '(^|[^0-9A-Za-z_])(?:tooluse_|toolu_|call_[0-9A-Za-z]{20})[0-9A-Za-z_-]*|(\\?"(?:id|tool_call_id|call_id|toolUseId)\\?"[ \t\n\f\r]*:[ \t\n\f\r]*\\?")call_[0-9A-Za-z_-]*',
    '\1\2', 'g');
-- (a macro's argument is written out at each use: det_canonical reads its text eight times, so the regex above
-- ran eight times a call when det_call_args was handed the raw input. calls.sql works det_call_ids_out out in a
-- column first and hands det_canonical the column: the same text, a third of det_calls' CPU)
CREATE OR REPLACE TEMP MACRO det_call_args(t) AS det_squeezed(det_canonical(det_call_ids_out(t)));

-- Amounts as det_value_tokens reads them: a currency code glued to its number ("USD12.50", "12.50USD") set
-- apart by a space, and a decimal comma beside a currency ("EUR 12,50", "1.234,50 €") written with a point
-- (1234.50). Read as they were, "USD12.50" gave no number at all and "EUR 12,50" the numbers 12 and 50: an
-- answer quoting the backend's price as 12.50 was "made up", a false critical silent failure. Only ISO
-- codes of common currencies and the currency signs count: a decimal comma elsewhere ("[12,50]", a JSON
-- list) stays two numbers, and an identifier of three capitals and digits ("ABC123") no number. Texts
-- with no code glued to a digit and no decimal comma (nearly all, "12.50 USD" and "$12.50" too) are scanned
-- once: on 1M texts, half of them with a currency, every currency text rewritten cost 2.4x the value scan's
-- CPU, this 1.3x (load 12, /work/wt/_notes/real38.md).
-- The patterns (det_*_re(), det_*_as()) are workbench/_stated_values.py's, made into macros returning them by
-- detect/_macros.py ahead of this file's: the runtime guard (policy/_bounce.py) compiles the same constants.
CREATE OR REPLACE TEMP MACRO det_amounts(t) AS CASE
    WHEN regexp_matches(t, det_amount_re())
    THEN regexp_replace(regexp_replace(regexp_replace(t, det_glued_re(), det_glued_as(), 'g'),
                                       det_comma_after_re(), det_comma_after_as(), 'g'),
                        det_comma_before_re(), det_comma_before_as(), 'g')
    ELSE t END;

-- The values a text states (values.sql: what a step brings in and what later steps rest on): a UUID
-- (LangChain's lc_run--<uuid>-0 suffix included) as one token, an identifier such as SKU-7, a number
-- with its sign ("-6 C" is -6, not 6; the hyphen of SKU-7 or of a range 3-6 is no sign) and the scale word
-- after it ("5.4 million", "3 million", "1420 cents": one value, read by det_value_num).
CREATE OR REPLACE TEMP MACRO det_value_tokens(t) AS regexp_extract_all(det_amounts(t), det_values_re());

-- How much a token of det_value_tokens scales its digits: 1e6 for "5.4 million", 1 for any other
-- (only a scaled token holds a space or tab). An amount in cents is the amount ("1420 cents" beside the price
-- list's 14.20 made up nothing, attack55), read to the cent.
CREATE OR REPLACE TEMP MACRO det_value_scale(v) AS CASE
    WHEN NOT contains(v, ' ') AND NOT contains(v, chr(9)) THEN 1.0
    ELSE CASE lower(regexp_extract(v, '([A-Za-z]+)$', 1)) WHEN 'thousand' THEN 1e3 WHEN 'million' THEN 1e6
                                                         WHEN 'billion' THEN 1e9 WHEN 'cents' THEN 1e-2
                                                         ELSE 1e12 END END;

-- The number a token stands for (NULL for an identifier): 5.4 million is 5400000. A token with no
-- scale word (nearly all) is cast as it is: splitting off a word and scaling by 1 for every token
-- cost a sixth of det_out_vals (0.7 of 4 CPU s on the 3M bench store).
-- Two numbers the same within a figure's rounding (half a cent, or 1e-4 of the figure): what the log's figures
-- are weighed by in values.sql; det_makes: a figure one product or sum of two numbers gives.
CREATE OR REPLACE TEMP MACRO det_near(x, target) AS abs(x - target) <= greatest(0.005, 1e-4 * abs(target));
CREATE OR REPLACE TEMP MACRO det_makes(a, b, target) AS det_near(a * b, target) OR det_near(a + b, target);

-- (cents divided by 100, not times 0.01: 1420 * 0.01 is 14.200000000000001, no backend's 14.2)
CREATE OR REPLACE TEMP MACRO det_value_num(v) AS CASE WHEN contains(v, ' ') OR contains(v, chr(9))
    THEN CASE WHEN det_value_scale(v) < 1
              THEN try_cast(replace(split_part(replace(v, chr(9), ' '), ' ', 1), ',', '') AS DOUBLE) / 100
              ELSE try_cast(replace(split_part(replace(v, chr(9), ' '), ' ', 1), ',', '') AS DOUBLE) * det_value_scale(v) END
    ELSE try_cast(replace(v, ',', '') AS DOUBLE) END;

-- The rounding a scaled token's written digits allow, half a unit of its last digit (5.4 million is
-- 5.35 to 5.45 million); NULL for any other token. A scaled number stands for every number it rounds.
CREATE OR REPLACE TEMP MACRO det_value_tol(v) AS CASE WHEN contains(v, ' ') OR contains(v, chr(9))
    THEN 0.5 * det_value_scale(v)
         / pow(10, length(split_part(split_part(replace(v, chr(9), ' '), ' ', 1), '.', 2))) END;

-- The words a text opens with: its first line, at most its first 120 characters. What a reply is
-- about comes first (the page a tool opened, the item an instruction names, the question asked):
-- two long texts are nearly the same (replies.sql) only when they open with the same words, so that
-- a templated reply naming another item or value is no repeat, while a page read again with
-- another timestamp or a few words of OCR further down still is.
CREATE OR REPLACE TEMP MACRO det_head_words(t) AS list_sort(list_distinct(regexp_extract_all(
    lower(left(regexp_extract(t, '^[ \t\n\f\r]*([^\n]*)', 1), 120)), '[\pL\pN]+')));

-- What a number in a text counts, as words: the JSON key it is the value of ("units": 120), the unit
-- written after it (120 units, 59°F, 240 EUR) and a currency sign or code before it ($3.10, EUR 240);
-- lower case, a plural's s dropped, words of a letter or of the stoplist left out. silent.sql reads
-- it to tell an answer's number standing in for a backend number of the same thing (210 units where
-- the tool said 120) from a figure of another kind added beside the backend's (59°F "(15°C)").
CREATE OR REPLACE TEMP MACRO det_num_labels(txt, token) AS list_distinct(list_filter(list_transform(
    flatten([
        flatten(list_transform(regexp_extract_all(txt,
            '\\?"([A-Za-z][A-Za-z0-9_ ]{0,40})\\?"[ \t\n\f\r]*:[ \t\n\f\r]*\\?"?' || regexp_escape(token) || '(?:[^0-9.]|$)', 1),
            lambda k: string_split_regex(k, '[_ ]+'))),
        regexp_extract_all(txt, '(?:^|[^0-9A-Za-z.,])' || regexp_escape(token) || '[ \t]?([°%]?[A-Za-z]+)', 1),
        regexp_extract_all(txt, '([$€£]|\b[A-Z]{3})[ \t]?' || regexp_escape(token) || '(?:[^0-9]|$)', 1)]),
    lambda w: CASE WHEN length(w) > 3 AND lower(w) LIKE '%s' THEN left(lower(w), -1) ELSE lower(w) END),
    lambda w: (length(w) > 1 OR w IN ('$', '€', '£', '%'))
              AND w NOT IN ('and', 'the', 'for', 'per', 'with', 'from', 'at', 'in', 'of', 'to', 'on', 'or',
                            'is', 'are', 'was', 'a', 'an', 'as', 'by', 'it')));

-- Where a number of an answer is, as a name: the capitalised word after "at" / "in" / "for" right after
-- the number or its unit ("210 at OPO", "95 EUR in Lisbon"), '@' and lower case; and the names of a tool's
-- record, the one-word capitalised string values of its JSON ("warehouse": "OPO"). silent.sql reads them
-- beside det_num_labels: an answer's number placed at the record of a backend number the answer does not
-- repeat stands in for it (the answer "120 units at LIS and 210 at OPO" for the tool's OPO record of 80
-- units), where no unit says what the number counts. Lower-case words ("in stock", "in all") name nothing.
CREATE OR REPLACE TEMP MACRO det_num_places(txt, token) AS list_distinct(list_transform(
    regexp_extract_all(txt, '(?:^|[^0-9A-Za-z.,])' || regexp_escape(token)
                            || '(?:[ \t]?[°%]?[A-Za-z]+)?[ \t]+(?:at|in|for|@)[ \t]+([A-Z][A-Za-z0-9_-]*)', 1),
    lambda w: '@' || lower(w)));

CREATE OR REPLACE TEMP MACRO det_record_names(txt) AS list_distinct(list_transform(
    regexp_extract_all(txt, '\\?"[A-Za-z][A-Za-z0-9_ ]{0,40}\\?"[ \t\n\f\r]*:[ \t\n\f\r]*\\?"([A-Z][A-Za-z0-9_-]{1,40})\\?"', 1),
    lambda w: '@' || lower(w)));

-- The answer a run's last step gives when its output is chat messages (each with a role): the text of the
-- last message that says something. AG2's root span ("conversation user") outputs the whole chat, every tool
-- result in it: read as the answer, it "repeated" the backend numbers it had replaced. One message is read so
-- too (the GenAI conventions' output messages of an agent's turn): its prose read as JSON was structured text,
-- whose small integers count as claims, and an AgentScope planner's "not approved after 4 checks" was an
-- unsupported 4. A conversation whose messages say nothing (tool calls only) gives no answer to check: the
-- numbers of its JSON (call ids, arguments, counts) are no one's words; one such message is kept as written.
-- Any other output is the answer as it is. (Message text: a content string, the text parts of the GenAI
-- conventions' parts, or the text blocks of a content list, OpenAI's and Anthropic's.)
CREATE OR REPLACE TEMP MACRO det_message_text(m) AS coalesce(
    CASE WHEN json_type(m, '$.content') = 'VARCHAR' THEN json_extract_string(m, '$.content') END,
    nullif(array_to_string(list_filter(json_extract_string(m, '$.parts[*].content'), lambda x: x IS NOT NULL), ' '), ''),
    CASE WHEN json_type(m, '$.content') = 'ARRAY' THEN array_to_string(list_filter(
        json_extract_string(m, '$.content[*].text'), lambda x: x IS NOT NULL), ' ') END);
CREATE OR REPLACE TEMP MACRO det_answer_text(txt) AS CASE
    WHEN left(txt, 1) = '[' AND contains(txt, '"role"') AND json_valid(txt)
         AND coalesce(list_bool_and(list_transform(CAST(json(txt) AS JSON[]),
                                                   lambda m: json_type(m, '$.role') = 'VARCHAR')), false)
    THEN coalesce(list_last(list_filter(list_transform(CAST(json(txt) AS JSON[]), lambda m: det_message_text(m)),
                                        lambda t: t IS NOT NULL AND trim(t) <> '')),
                  CASE WHEN json_array_length(txt) > 1 THEN '' ELSE txt END)
    ELSE txt END;

-- A log text quoted in a finding's detail: whitespace squeezed to single spaces and, past n characters,
-- cut after the last whole word within them with "…" (a quote cut mid-word with nothing to say so read
-- as the whole reply: "… and the customer "). A word longer than half of n is cut where it stands.
CREATE OR REPLACE TEMP MACRO det_quote_cut(s, n) AS CASE
    WHEN length(s) <= n THEN s
    WHEN length(regexp_extract(left(s, n + 1), '^(.*) ', 1)) >= n // 2
    THEN rtrim(regexp_extract(left(s, n + 1), '^(.*) ', 1), ' ,;:-') || '…'
    ELSE left(s, n - 1) || '…' END;
CREATE OR REPLACE TEMP MACRO det_quote(t, n) AS det_quote_cut(trim(regexp_replace(t, '\s+', ' ', 'g')), n);

-- Chat messages some instrumentations log as Python reprs (widgets/_repr_messages.py reads them for
-- the views): Haystack's ChatMessage(_role=<ChatRole.ASSISTANT: 'assistant'>, _content=[TextContent(
-- text='…')]), LangChain's AIMessage(content='…'); a tool's result, Haystack's ToolCallResult(result='…')
-- and LangChain's ToolMessage(content='…'). A Python string literal in either quote.
CREATE OR REPLACE TEMP MACRO det_py_literal() AS '(''(?:[^''\\]|\\.)*''|"(?:[^"\\]|\\.)*")';
-- the body of a literal matched by det_py_literal, its escapes read: a "\n" left in would glue a
-- line's first number to the n
CREATE OR REPLACE TEMP MACRO det_py_text(lit) AS replace(replace(replace(replace(replace(
    substr(lit, 2, length(lit) - 2), '\n', chr(10)), '\t', chr(9)), '\''', ''''), '\"', '"'), '\\', '\');
CREATE OR REPLACE TEMP MACRO det_repr_said(t) AS list_transform(regexp_extract_all(t,
    '(?:ChatRole\.ASSISTANT: ''assistant''>, _content=\[TextContent\(text=|\bAIMessage\(content=)' || det_py_literal(), 1),
    lambda x: det_py_text(x));
CREATE OR REPLACE TEMP MACRO det_repr_tool_results(t) AS list_transform(regexp_extract_all(t,
    '(?:\bToolCallResult\(result=|\bToolMessage\(content=)' || det_py_literal(), 1), lambda x: det_py_text(x));
-- The results among those that are no backend's record (Haystack's ToolCallResult names its call:
-- origin=ToolCall(tool_name='<tool>', arguments={…}, id=…)): one an agent of the run gave (a
-- ComponentTool running an agent: what that agent said), or one that only echoes its call's arguments
-- (every value it states is in them: format_quote's "Quote: widget at 41.20 USD"), as a tool step's
-- echo is none (det_echoes).
CREATE OR REPLACE TEMP MACRO det_repr_result_calls(t) AS list_zip(
    regexp_extract_all(t, '\bToolCallResult\(result=' || det_py_literal() || ', origin=ToolCall\(tool_name=''([^'']*)'', arguments=(\{.*?\}), id=', 1),
    regexp_extract_all(t, '\bToolCallResult\(result=' || det_py_literal() || ', origin=ToolCall\(tool_name=''([^'']*)'', arguments=(\{.*?\}), id=', 2),
    regexp_extract_all(t, '\bToolCallResult\(result=' || det_py_literal() || ', origin=ToolCall\(tool_name=''([^'']*)'', arguments=(\{.*?\}), id=', 3));
-- (the result's tokens taken once, in a list of one: written twice, det_value_tokens and det_py_text were
-- planned twice, five regexes each)
CREATE OR REPLACE TEMP MACRO det_repr_not_backend(t, agents) AS list_transform(list_filter(det_repr_result_calls(t),
    lambda p: list_contains(coalesce(agents, []), p[2])
              OR list_transform([det_value_tokens(det_py_text(p[1]))],
                                lambda toks: len(toks) > 0 AND list_bool_and(list_transform(toks, lambda v: contains(p[3], v))))[1]),
    lambda p: det_py_text(p[1]));

-- A chat message (a JSON object) that is a tool's result, and its text: OpenAI's role "tool" (or
-- "function"), smolagents' "tool-response", an Anthropic tool_result block, the GenAI conventions'
-- tool_call_response part, the Responses API's function_call_output (Gemini's functionResponse is
-- found by its key, values.sql). NULL for any other value.
CREATE OR REPLACE TEMP MACRO det_tool_result_text(m) AS CASE
    WHEN json_extract_string(m, '$.role') IN ('tool', 'function', 'tool-response', 'ipython')
    THEN coalesce(det_message_text(m), json_extract(m, '$.content')::VARCHAR)
    WHEN json_extract_string(m, '$.type') = 'tool_result'
    THEN coalesce(CASE WHEN json_type(m, '$.content') = 'VARCHAR' THEN json_extract_string(m, '$.content') END,
                  nullif(array_to_string(list_filter(json_extract_string(m, '$.content[*].text'),
                                                     lambda x: x IS NOT NULL), ' '), ''),
                  json_extract(m, '$.content')::VARCHAR)
    WHEN json_extract_string(m, '$.type') IN ('tool_call_response', 'function_call_output')
    THEN coalesce(json_extract_string(m, '$.response'), json_extract_string(m, '$.output'))
END;

-- The JSON objects of a text at most two levels deep, outermost first, left to right (strings read
-- whole, braces in them included): a chat message, a content block, a tool's result. Found by one
-- linear regex, not json_tree: a tree of every node of every chat an LLM step's input holds took
-- 2.5 GB and 5 s for 40 MB of inputs (bench/detect_chat_messages.py). A deeper object (a message with
-- tool calls) yields its parts instead.
CREATE OR REPLACE TEMP MACRO det_json_objects(t) AS regexp_extract_all(t,
    '\{(?:[^{}"]|"(?:[^"\\]|\\.)*"|\{(?:[^{}"]|"(?:[^"\\]|\\.)*")*\})*\}');
-- A text with its JSON string escapes of quotes and backslashes read: a message repr inside a JSON
-- string (Haystack's messages in its spans' JSON) as Python wrote it.
CREATE OR REPLACE TEMP MACRO det_unescaped(t) AS CASE WHEN contains(t, '\"')
    THEN replace(replace(t, '\"', '"'), '\\', '\') ELSE t END;

-- Whether a text may hold a tool's result in a message list (values.sql reads those texts further). A
-- chat's input names its tools and calls in every LLM step: only the words of a result count. Every
-- one holds "ool" or "unction": two scans rule out nearly every text before the ten.
-- A message's result by its role ("tool" ...) has a "role" key, written so unless in \u escapes; a block's by its
-- type has that type's name; Gemini's response its key (function_?[Rr]esponse); a repr its class: a tool call's
-- own record ({"tool": "search", "args": …}, an LLM step's output in many logs) holds none of them and no result.
CREATE OR REPLACE TEMP MACRO det_holds_tool_result(t) AS (contains(t, 'ool') OR contains(t, 'unction'))
    AND (contains(t, '"tool"') OR contains(t, '"function"') OR contains(t, '"tool-response"')
         OR contains(t, '"tool_result"') OR contains(t, '"tool_call_response"') OR contains(t, '"function_call_output"')
         OR contains(t, 'unctionResponse') OR contains(t, 'unction_response') OR contains(t, 'ToolCallResult(')
         OR contains(t, 'ToolMessage('))
    AND (contains(t, '"role"') OR contains(t, '\u') OR contains(t, '"tool_result"') OR contains(t, '"tool_call_response"')
         OR contains(t, '"function_call_output"') OR contains(lower(t), 'functionresponse')
         OR contains(lower(t), 'function_response') OR contains(t, 'ToolCallResult(') OR contains(t, 'ToolMessage('));

-- A tool's result that reports its own failure rather than a result (gave_up.sql): its text (a JSON record's
-- "text", as an MCP content block carries it) opening with an error report — "Error executing tool …",
-- "Error: …", "An error occurred …", "Traceback (most recent call last)", "TimeoutError: …", "Failed to …" —
-- or a JSON record flagging one ("isError": true, as MCP's CallToolResult does; a non-empty "error"). Only
-- the opening counts: a normal result that mentions an error further in ("status": "ok", "log": "Error: none")
-- is a result, and "Error rate: 0.1 %" opens no report. An "error" field whose text says there was none (Python's
-- str(None), "null", "false", "0", "none", "n/a", "no error", "ok", "success") flags nothing: a record's slot for an
-- error that did not happen.
CREATE OR REPLACE TEMP MACRO det_error_record(t, j) AS coalesce(
    regexp_matches(ltrim(coalesce(json_extract_string(j, '$.text'), t)),
        '^(?:(?i:error|exception)(?:[ \t]*[:\-]|[ \t]+(?:executing|running|calling|invoking|while|in|occurred|code)\b)'
        || '|(?i:an (?:unexpected |internal )?error (?:occurred|has occurred|was raised))|(?i:failed to|could not)\b'
        || '|Traceback \(most recent call last\)|[A-Z][A-Za-z0-9_.]*(?:Error|Exception):)')
    OR json_extract_string(j, '$.isError') = 'true' OR json_extract_string(j, '$.is_error') = 'true'
    -- A result whose own status field says it failed ({"response_status": "Error", "message": ...}: a .NET tool
    -- in Langfuse's C# sample; {"status": "error", ...} as JSend writes it): the status word alone, never a
    -- status with more to it ("error_free", "partial"). Any of the three fields saying so ({"status": "ok",
    -- "response_status": "Error"}: the transport went fine, the call did not).
    OR list_has_any(list_transform(json_extract_string(j, ['$.status', '$.response_status', '$.state']),
                                   lambda s: lower(trim(s))), ['error', 'failed', 'failure', 'fail'])
    OR (json_type(j, '$.error') IN ('VARCHAR', 'OBJECT')
        AND NOT regexp_matches(lower(trim(json_extract_string(j, '$.error'))),
                               '^(?:\{\}|none|null|nil|false|0|n/?a|no(?:ne)?(?: error)?|ok|success)?$')), false);
CREATE OR REPLACE TEMP MACRO det_error_report(t) AS det_error_record(t, CASE WHEN left(ltrim(t), 1) = '{' AND json_valid(t) THEN t END);

-- An answer that declines, apologises or says it could not do what was asked (gave_up.sql): words such an
-- answer says, in English ("sorry", "could not", "try again later"; ’ as well as ' in "couldn't") and in
-- French, German, Dutch, Spanish, Portuguese, Italian, Polish, Russian, Chinese, Japanese and Korean, each as
-- its speakers say "sorry / unfortunately / I could not / unable / unavailable / please try again / an error
-- occurred" (German's "konnte … nicht" and Dutch's "kon … niet" with the object between, up to 60 characters of
-- one sentence). RE2's \b is ASCII's: a word ending in an accented letter is written with no \b after it, and
-- one in another script with none at all. A word among them in an answer that still gives the result ("Sorry for the wait, the
-- widget costs 14.20") is told apart in gave_up.sql (det_states_result).
-- (Its matches listed, not regexp_matches: the same truth, as every match is listed, an empty one too, and a long
-- case-insensitive pattern planned in half the time: ~9 ms against ~19 for this one on 10 rows, DuckDB 2.0.)
CREATE OR REPLACE TEMP MACRO det_gives_up(t) AS len(regexp_extract_all(coalesce(t, ''),
    '(?i)\b(?:sorry|apologi[sz]e|apologies|unfortunately|regret(?:tably)?|unable to|not able to|(?:was|were|is|are|am)n[''’]t able to'
    || '|could not|couldn[''’]t|cannot|can[''’]t|can not|did not manage|didn[''’]t manage|failed to|was not possible|wasn[''’]t possible'
    || '|unavailable|not available|(?:is|are|was|were) (?:currently )?down|not responding|try again later|please try again'
    || '|went wrong|(?:ran into|encountered|hit) (?:an?|some) (?:error|problem|issue))\b'
    -- French
    || '|\b(?:d[ée]sol[ée]|navr[ée]|malheureusement|je m[''’ ]excuse|mes excuses|pas (?:pu|r[ée]ussi)\b|impossible d'
    || '|ne (?:peux|pouvons|peut|pourrai|pourrons) pas\b|pas en mesure d|dans l[''’]incapacit[ée]|indisponible'
    || '|pas disponible|r[ée]essa(?:yer|yez)|une erreur (?:s[''’]est produite|est survenue))|(?:^|[^\pL])[ée]chou[ée]'
    -- German
    || '|\b(?:leider|es tut (?:mir|uns) leid|entschuldig(?:ung|en sie)|(?:konnte|konnten|kann|k[öo]nnen)\b[^.!?\n]{0,60}\bnicht\b'
    || '|nicht (?:m[öo]glich|verf[üu]gbar|erreichbar|abrufbar)|fehlgeschlagen|(?:ist )?ein fehler (?:ist )?aufgetreten'
    || '|versuchen sie es (?:sp[äa]ter|erneut|noch einmal))'
    -- Dutch
    || '|\b(?:helaas|het spijt (?:me|mij|ons)|(?:onze )?excuses\b|excuus|(?:kon|konden|kan|kunnen)\b[^.!?\n]{0,60}\bniet\b'
    || '|niet (?:beschikbaar|mogelijk|bereikbaar|gelukt)|onbeschikbaar|mislukt|probeer het (?:later|opnieuw|nogmaals)'
    || '|er is een fout(?:melding)? opgetreden)'
    -- Spanish
    || '|\b(?:lo (?:siento|lamento)|disculp(?:a|e|as|en|ame|eme)\b|perd[óo]n|lamentablemente|desafortunadamente'
    || '|no (?:pude|pudimos|puedo|podemos|he podido|hemos podido|se pudo|se puede|fue posible|es posible|ha sido posible'
    || '|est[áa]n? disponibles?|logr[ée])|int[ée]nt(?:elo|alo)|intente (?:de nuevo|nuevamente|m[áa]s tarde)'
    || '|vuelva a intentarlo|(?:ocurri[óo]|se produjo|ha ocurrido|hubo) un error)'
    -- Portuguese
    || '|\b(?:desculp(?:e|a|as|em)\b|lamento\b|sinto muito|infelizmente|n(?:ã|a)o (?:consegui|conseguimos|conseguiu'
    || '|foi poss[íi]vel|[ée] poss[íi]vel|posso|podemos|pude|est[áa] dispon[íi]vel|est[ãa]o dispon[íi]veis)'
    || '|indispon[íi]ve|tente (?:novamente|de novo|mais tarde)|(?:ocorreu|houve) um erro)'
    -- Italian
    || '|\b(?:mi dispiace|purtroppo|spiacente|non (?:sono|siamo) riuscit|non (?:[èe] (?:stato )?possibile|posso|possiamo|riesco)'
    || '|riprova(?:re)? pi[ùu] tardi|si [èe] verificato un errore)'
    -- Polish
    || '|\b(?:przepraszam|przepraszamy|niestety|nie uda[łl]o si[ęe]|nie (?:mog[ęe]|mo[żz]emy|mog[łl]\pL*|mo[żz]na|jest mo[żz]liwe)'
    || '|niedost[ęe]pn|spr[óo]buj(?:cie)? (?:ponownie|p[óo][źz]niej)|wyst[ąa]pi[łl] b[łl][ąa]d)'
    -- Russian
    || '|извин|к сожалению|не удалось|не (?:могу|можем|смог|смогли)|недоступ|попробуйте (?:позже|ещё раз|еще раз)'
    || '|произошла ошибка'
    -- Chinese (simplified and traditional)
    || '|抱歉|对不起|對不起|很遗憾|很遺憾|遗憾的是|遺憾的是|无法|無法|未能|没能|沒能|不能|没有办法|沒有辦法|不可用'
    || '|重试|重試|再试一次|再試一次|出错|出錯|出现错误|出現錯誤|发生错误|發生錯誤|返回错误|返回錯誤'
    || '|(?:获取|查询|调用|请求|连接|獲取|查詢|調用|請求|連接)失[败敗]'
    -- Japanese
    || '|申し訳|すみません|すいません|残念ながら|できません|出来ません|失敗しました|エラーが発生|もう一度お試し'
    || '|しばらくしてから|お詫び|ご迷惑'
    -- Korean
    || '|죄송|유감스럽|안타깝게도|할 수 없|수 없었|실패했|다시 시도|오류가 발생')) > 0;

-- (The macros that read a give-up's clauses for a result are gave_up.sql's: made only when a run gave up.)

-- What an answer says, as a person reads it: the text of the last message that says something when the answer
-- is a list of chat messages (one that says nothing included, which det_answer_text leaves as it is), else the answer.
CREATE OR REPLACE TEMP MACRO det_said_text(txt) AS CASE
    WHEN left(txt, 1) = '[' AND contains(txt, '"role"') AND json_valid(txt)
    THEN coalesce(list_last(list_filter(list_transform(CAST(json(txt) AS JSON[]), lambda m: det_message_text(m)),
                                        lambda t: t IS NOT NULL AND trim(t) <> '')), txt)
    ELSE txt END;
