-- Gave up: a tool call failed, nothing made it again with success, and the run's final answer declines,
-- apologises or says it could not (an MCP server down and the writer saying "Sorry, I cannot quote"; a
-- caught timeout and "the price is unavailable right now"). No step is in error at the end and the answer
-- states no wrong value, so no other detector sees that the user got no answer. The finding sits at the
-- failed call, with the agent that made it: what to repair first. One per run: its first such call.
-- A call failed when its span says error, when its result reports a failure (det_error_report: MCP answers
-- "Error executing tool get_price" in a span left unset), or when a span below it says error with no agent
-- or model call between (the MCP server's own span of that call). A later call of the same tool that did not
-- fail recovered it, whichever agent made it (a fallback agent's call counts as the first agent's own retry):
-- a refusal after that has another reason. An answer quoting a number of a tool's result (det_backend_vals: no
-- echo of the call's own arguments) gave a result, whatever words it opens with; so did one with a clause that
-- states a result figure (det_states_result: an amount, a percentage, decimals, a unit, a date, a time of day, a
-- duration of two units, a count of things, in a clause with no give-up, retry, failure or outage word: "Sorry
-- for the delay, the total is 41.20 USD" and "..., we have 41 widgets in stock" state one, made up or not,
-- which silent_failure weighs) unless the run was given each of its numbers (its task's, a tool call's
-- arguments, the failure's own error text). A give-up's own numbers are no result: a wait, a status code, a
-- count of attempts, an order or phone number, a year ("try again in 15 minutes", "HTTP 503", "order 88412").
-- A run that ended on the error (its answer step in error, or its last output the error's own
-- record) answered nothing to give up in: it shows its failure to its caller. Critical for a run reported as a
-- success (it said so and answered nothing); a warning otherwise: the tool may have failed for a reason the
-- answer rightly reports ("no such item").
-- The answers that gave up come first (a regex per run, on its answer): the tool calls and the spans in error are
-- then read for those few runs only.
-- The answers whose output says a give-up's words (or may, written in \u escapes) first, a table of their own: the
-- rest of the test is planned only when one does (a chunk's answers mostly do not: ~25 CPU ms a chunk saved).
CREATE OR REPLACE TEMP TABLE det_gave_up_said AS
-- the words are looked for in the whole output first: what it says is part of it
SELECT a.run_id, a.step_id, coalesce(epoch_us(s.ended_at)::DOUBLE, s.seq + 0.5) AS t1, s.output
FROM det_answer a
JOIN steps s ON s.run_id = a.run_id AND s.step_id = a.step_id AND s.rowid BETWEEN $row_lo AND $row_hi
-- (a run that ended on the error answered nothing: it shows its failure)
-- (a JSON text may write its letters as \u escapes, as Python's json.dumps does any but ASCII's: read below,
-- accents may be written decomposed, "e" + U+0301: read composed, NFC, as the words are written)
WHERE s.status IS DISTINCT FROM 'error' AND (det_gives_up(nfc_normalize(s.output)) OR contains(s.output, '\u'));

-- [section needs_det_gave_up_said]
CREATE OR REPLACE TEMP TABLE det_gave_up_answers AS
SELECT run_id, step_id, t1, txt
FROM (
    SELECT run_id, step_id, t1, output,
           nfc_normalize(CASE WHEN contains(txt, '\u') AND json_valid(txt) THEN json(txt)::VARCHAR ELSE txt END) AS txt
    -- (the answer's text a column first: det_said_text reads its argument five times, and given det_answer_text's
    -- expression in its place it planned that five times over, ~11 of the statement's ~60 ms on a small store)
    FROM (SELECT d.run_id, d.step_id, d.t1, d.output, coalesce(ra.txt, det_said_text(d.answer)) AS txt
          FROM (SELECT *, det_answer_text(output) AS answer FROM det_gave_up_said) d
          LEFT JOIN det_record_answer ra ON ra.run_id = d.run_id AND ra.step_id = d.step_id))
-- (nor did one whose last output is the error's own record)
WHERE det_gives_up(txt) AND NOT det_error_report(output);

-- [section needs_det_gave_up_answers]
-- (The statements below read only the runs of det_gave_up_answers and write nothing without one: the runner skips
-- them when it is empty, as it mostly is. Binding their nested macros cost ~0.18 CPU s a chunk whatever its size,
-- and making the macros ~0.06: they are made here, for the chunks with a run that gave up, not in macros.sql.)

-- The clauses of a give-up's answer that state a result: an apology that goes on to answer
-- ("Sorry for the delay, the total is 41.20 USD.") gave a result, made up or not (silent_failure weighs it),
-- while a give-up names figures of its own: a wait ("try again in 15 minutes", "Retry-After: 30 s"), a status
-- code ("HTTP 503", "error 429"), an attempt count ("I tried 3 times"), an order, ticket or phone number, a
-- year ("the 2025 price list"). A clause (cut at sentence ends, semicolons, commas, colons and dashes followed
-- by a space, and at CJK punctuation) states a result when it holds no give-up, retry, failure or outage word
-- (det_gives_up, det_deferral) and, once its identifiers, codes and durations are taken out
-- (det_figure_text), a figure an answer gives: an amount (a currency sign, code or word beside the number), a
-- percentage, a number with decimals or a unit of measure, or a date (2026-03-12, 12.03.2026, March 12,
-- 12 mars, 3月12日), a time of day (14:05, 14h05) or a duration of two units (3 h 20 min: a wait is written
-- in one), or a count of things (det_counted). A bare integer, counting nothing named, is no result figure: in
-- prose it counts attempts, steps and minutes as often as it answers. A label and its colon ("Error: 503",
-- "Status: 429", "Retry-After: 30 s", "Estimated recovery: 14:30") stay in their clause.
-- (Its matches listed, not regexp_matches: as det_gives_up, macros.sql; det_counted's too.)
CREATE OR REPLACE TEMP MACRO det_deferral(t) AS len(regexp_extract_all(t,
    '(?i)\b(?:again|later|retry|retrying|retried|retries|wait|waiting|(?:be|come|check|get) back|attempts?|tried|tries'
    || '|errors?|failed|failure|fails|timed out|time ?out|down|outage|offline|maintenance|unreachable|resets?'
    || '|recover(?:y|ed|s)?|restored|resum(?:e|es|ed|ing)|reopen\pL*|next (?:check|update|attempt|run))\b'
    || '|r[ée]essa|plus tard|erreur|tentative|sp[äa]ter|erneut|noch einmal|fehler|versuch|m[áa]s tarde|de nuevo'
    || '|nuevamente|intento|mais tarde|novamente|de novo|\berro\b|riprov|pi[ùu] tardi|errore|позже|ещё раз|еще раз'
    || '|opnieuw|nogmaals|\bfout|mislukt|poging|probeer|ponownie|p[óo][źz]niej|b[łl][ąę]d|pr[óo]b(?:a|y|ie)?\b|spr[óo]buj'
    -- (a service down or in maintenance: its times say when it may be back)
    || '|wartung|ausgefallen|st[öo]rung|panne|hors service|mantenimiento|fuera de servicio|ca[íi]d[oa]|manuten[çc][ãa]o'
    || '|fora do ar|manutenzione|fuori servizio|onderhoud|storing|konserwacj|awari|технические работ|维护|維護|故障'
    || '|メンテナンス|障害|점검|장애'
    || '|ошибк|попыт|稍后|稍後|再试|再試|重试|重試|错误|錯誤|失败|失敗|尝试|嘗試|後で|もう一度|再度|エラー|試行|다시|오류|시도')) > 0;
-- The units of a duration (after a number: "15 minutes", "2 Stunden", "3 godziny"), for det_figure_text and
-- det_result_measures.
CREATE OR REPLACE TEMP MACRO det_duration_units() AS
    '(?:ms|milliseconds?|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?|weeks?|months?|years?'
    || '|sekunden|minuten|stunden|tagen?|wochen|monaten?|jahren?|secondes?|heures?|jours?|semaines?|mois|ans|ann[ée]es?'
    || '|segundos?|minutos?|horas?|d[íi]as?|semanas?|meses|mes|a[ñn]os?|secondi|minuti|ore|giorni|settimane|mesi|anni'
    || '|seconden|uur|uren|dagen|weken|maanden|jaar|jaren|sekund\pL*|minut\pL*|godz\pL*|dni|dzie[ńn]|tygodni\pL*'
    || '|miesi[ąę]c\pL*|lat'
    || '|секунд\pL*|минут\pL*|час\pL*|дн\pL*|дня|недел\pL*)(?:\b|[^\pL]|$)';
-- A text with its identifiers and codes taken out: a number after #, No., id, ticket, order, case, reference,
-- phone, code, status, HTTP, error, version, step, attempt, port, page.
CREATE OR REPLACE TEMP MACRO det_id_free(t) AS regexp_replace(t,
    '(?i)(?:#|\b(?:no|nr|n°|id|ticket|order|case|ref|reference|number|tel|phone|fax|call(?:[\pZ\t]+us)?(?:[\pZ\t]+(?:at|on))?'
    || '|code|status|http(?:/[0-9.]+)?|error|version|v|step|attempt|try|port|page|line)\.?[\pZ\t]*[#:]?[\pZ\t]*)[0-9][0-9.,/-]*',
    ' ', 'g');
-- ... and its durations.
CREATE OR REPLACE TEMP MACRO det_figure_text(t) AS regexp_replace(det_id_free(t),
    '(?i)[0-9][0-9.,]*[\pZ\t]*' || det_duration_units()
    || '|[0-9]+[\pZ\t]*(?:秒|分钟|分鐘|小时|小時|天|周|週|个月|個月|年后|年後|時間|分後|分間|分ほど|日後|日間|초|분|시간)',
    ' ', 'g');
-- The times of day (14:05, 14h05) and the durations of two units (3 h 20 min, 2 days and 4 hours) a text
-- states, once its identifiers are out: a result when a clause free of give-up and retry words states one
-- ("the delivery takes 3 h 20 min", "ready at 14:05"); a wait is said in one unit ("try again in 15 minutes").
CREATE OR REPLACE TEMP MACRO det_result_measures(t) AS regexp_extract_all(det_id_free(t),
    '(?i)(?:^|[^0-9:.,])(?:[01]?[0-9]|2[0-3])[:h][0-5][0-9]\b'
    || '|[0-9]+[\pZ\t]*' || det_duration_units() || '[\pZ\t,]*(?:(?:and|et|und|y|e|en|i|и)[\pZ\t]+)?[0-9]+[\pZ\t]*'
    || det_duration_units());
-- A count of things stated as a result ("we have 41 widgets in stock", "il nous reste 41 widgets"): a whole
-- number, not a year, and the word after it, not one that counts tries or joins words ("3 times", "2 of 5",
-- "3 veces"), in a clause that neither denies nor limits ("none of 3 suppliers", "100 calls per hour").
CREATE OR REPLACE TEMP MACRO det_counted(t, figure_text) AS NOT (len(regexp_extract_all(t,
    '(?i)(?:^|[^\pL])(?:no|not|none|nothing|nobody|neither|nor|without|zero|per|quota|limits?|max|maximum'
    || '|ne|pas|aucune?|sans|nicht|kein\pL*|ohne|sin|ning[úu]n\pL*|nada|n[ãa]o|nenhum\pL*|sem|non|nessun\pL*|senza'
    || '|niet|geen|zonder|nie|żadn\pL*|bez|не|нет|ни|без)(?:[^\pL]|$)|n[''’]t\b|没|沒|不|无|無|未|ない|ません|없|않|못')) > 0)
    AND len(list_filter(regexp_extract_all(figure_text,
            '(?:^|[^\pL\pN.,:/#+-])(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}|[0-9]{5,}|[03-9][0-9]{3}|1[0-8][0-9]{2}|2[1-9][0-9]{2})'
            || '[\pZ\t]+(\pL{2,})', 1),
        lambda w: NOT list_contains(['times', 'time', 'of', 'out', 'or', 'and', 'to', 'in', 'on', 'at', 'for', 'from',
                                     'by', 'per', 'more', 'less', 'than', 'is', 'are', 'was', 'were', 'has', 'have',
                                     'had', 'will', 'would', 'can', 'could', 'the', 'an', 'fois', 'de', 'du', 'des',
                                     'sur', 'et', 'ou', 'mal', 'und', 'oder', 'von', 'veces', 'vez', 'vezes', 'volte',
                                     'di', 'keer', 'en', 'razy', 'raz', 'lub', 'раз', 'раза', 'из', 'и', 'или'],
                                    lower(w)))) > 0;
CREATE OR REPLACE TEMP MACRO det_months() AS
    'january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug'
    || '|sept?|oct|nov|dec|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre'
    || '|januar|februar|m[äa]rz|juni|juli|oktober|dezember|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre'
    || '|setiembre|octubre|noviembre|diciembre|janeiro|fevereiro|mar[çc]o|maio|junho|julho|setembro|outubro|dezembro'
    || '|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|april|januari|februari|maart|mei'
    || '|augustus|stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|wrze[śs]nia|pa[źz]dziernika|listopada'
    || '|grudnia';
-- (its matches listed: as det_gives_up's, macros.sql)
CREATE OR REPLACE TEMP MACRO det_result_figure(figure_text) AS len(regexp_extract_all(figure_text,
    -- an amount
    '(?:[$€£¥₹₩]|\bR\$|\b' || det_currency() || ')[\pZ\t]?[0-9]'
    || '|[0-9][\pZ\t]?(?:[$€£¥₹₩元円]|' || det_currency() || '\b'
    || '|(?i:dollars?|euros?|pounds?|yen|yuan|reais|pesos?|francs?|rupees?|cents?|rubles?)\b|美元|欧元|歐元|日元|人民币|人民幣'
    || '|块|塊|ドル|ユーロ|원|руб|долл|евро|z[łl](?:\b|[^\pL])|(?i:z[łl]ot\pL*))'
    -- a percentage
    || '|[0-9][\pZ\t]?(?:%|％|(?i:percent|per cent|prozent|pour ?cent|por ?ciento|por ?cento|per ?cento|процент))|百分之'
    -- decimals (a version, an address or a phone number of dotted groups is none, nor a count written in
    -- thousands, "1,000 requests", "1.000 Anfragen")
    || '|(?:^|[^0-9A-Za-z.,/])(?:[0-9]+[.,](?:[0-9]{1,2}|[0-9]{4,})|(?:0|[0-9]{4,})[.,][0-9]{3})'
    || '(?:$|[^0-9A-Za-z.,]|[.,](?:$|[^0-9]))'
    -- a unit of measure
    || '|[0-9][\pZ\t]?(?:°|℃|(?i:kg|mg|lbs?|oz|km|cm|mm|ml|gal|kwh|kw|gb|mb|tb|units?|items?|pcs|pieces?|st[üu]ck|unit[ée]s?'
    || '|unidades?|pezzi|stuks|sztuk|szt)\b|штук|шт\.|个|件|台|公斤|千克|公里|米|度|個|点|개)'
    -- a date
    || '|\b[0-9]{4}-[0-9]{2}-[0-9]{2}\b|\b[0-9]{1,2}[./][0-9]{1,2}[./][0-9]{2,4}\b|[0-9]{1,2}[\pZ\t]*月[\pZ\t]*[0-9]{1,2}[\pZ\t]*日'
    || '|[0-9]{1,2}월[\pZ\t]*[0-9]{1,2}일'
    || '|(?i:\b(?:' || det_months() || ')\.?[\pZ\t]+[0-9]{1,2}\b'
    || '|\b[0-9]{1,2}(?:st|nd|rd|th|er|\.)?[\pZ\t]+(?:of[\pZ\t]+|de[\pZ\t]+)?(?:' || det_months() || ')(?:$|[^\pL]))')) > 0;
-- (Two macros, a row each: a regex of a pattern built with || inside a lambda is compiled again for every list,
-- and list_filter(clauses, lambda c: ...) cost 5x the same tests on the clauses unnested, fix43.)
CREATE OR REPLACE TEMP MACRO det_clauses(t) AS regexp_split_to_array(
    regexp_replace(coalesce(t, ''), '(?i)\b(error|erreur|fehler|erro|status|code|http|id|ticket|ref(?:erence)?|case|retry-after|recovery)[\pZ\t]*:',
                   '\1', 'g'),
    '[.;!?](?:[\pZ\t\n]+|$)|[,:][\pZ\t\n]+|[\pZ\t]*[—–][\pZ\t]*|[\pZ\t]+-+[\pZ\t]+|[。；！？，：、\n]');
-- (c's det_figure_text and det_result_measures given, worked out once in a column: each macro below that read them
-- of c planned their regexes again, and the statement planned det_figure_text's five times, det_id_free's eight;
-- det_gave_up_stated 291 -> ~165 ms CPU a detect of a store with a give-up, whatever its size)
CREATE OR REPLACE TEMP MACRO det_states_result(c, figure_text, measures) AS
    (det_result_figure(figure_text) OR len(measures) > 0 OR det_counted(c, figure_text))
    AND NOT det_gives_up(c) AND NOT det_deferral(c);

-- The numbers of the clauses that state a result, for the runs that gave up: a result only if the run was not given them.
CREATE OR REPLACE TEMP TABLE det_gave_up_stated AS
SELECT run_id, token, det_value_num(token) AS num FROM (
    SELECT run_id, unnest(det_value_tokens(figure_text || ' ' || array_to_string(measures, ' '))) AS token
    FROM (SELECT run_id, c, det_figure_text(c) AS figure_text, det_result_measures(c) AS measures
          FROM (SELECT run_id, unnest(det_clauses(txt)) AS c FROM det_gave_up_answers))
    WHERE det_states_result(c, figure_text, measures))
WHERE ascii(token) < 65;

CREATE OR REPLACE TEMP TABLE det_calls_failed AS
WITH RECURSIVE calls AS (
    SELECT run_id, step_id, parent_id, agent, coalesce(tool, name) AS tool, status, error, output,
           coalesce(epoch_us(started_at)::DOUBLE, seq::DOUBLE) AS t0, coalesce(epoch_us(ended_at)::DOUBLE, seq + 0.5) AS t1
    FROM steps SEMI JOIN det_gave_up_answers USING (run_id)
    WHERE kind IN ('tool', 'retriever') AND steps.rowid BETWEEN $row_lo AND $row_hi
),
-- from each span in error that is no agent, model or tool call, up through such spans to the call above
up(run_id, step_id, parent_id, error, n) AS (
    SELECT run_id, step_id, parent_id, error, 0 FROM steps SEMI JOIN det_gave_up_answers USING (run_id)
    WHERE status = 'error' AND coalesce(kind, 'other') IN ('chain', 'other') AND steps.rowid BETWEEN $row_lo AND $row_hi
    UNION ALL
    SELECT u.run_id, p.step_id, p.parent_id, u.error, u.n + 1 FROM up u
    JOIN steps p ON p.run_id = u.run_id AND p.step_id = u.parent_id AND p.rowid BETWEEN $row_lo AND $row_hi
    WHERE coalesce(p.kind, 'other') IN ('chain', 'other') AND u.n < 8
),
below AS (
    SELECT c.run_id, c.step_id, any_value(u.error) AS error FROM up u
    JOIN calls c ON c.run_id = u.run_id AND c.step_id = u.parent_id
    GROUP BY c.run_id, c.step_id
)
SELECT c.run_id, c.step_id, c.agent, c.tool, c.t0, c.t1,
       coalesce(c.error, CASE WHEN det_error_report(c.output)  -- (an MCP content block's text)
                           THEN coalesce(json_extract_string(CASE WHEN json_valid(c.output) THEN c.output END, '$.text'), c.output) END,
                b.error, 'an error') AS error
FROM calls c LEFT JOIN below b USING (run_id, step_id)
WHERE c.status = 'error' OR b.step_id IS NOT NULL OR det_error_report(c.output);

INSERT INTO det_out
WITH unrecovered AS (
    SELECT f.* FROM det_calls_failed f
    WHERE NOT EXISTS (SELECT 1 FROM steps c
                      WHERE c.run_id = f.run_id AND c.kind IN ('tool', 'retriever') AND c.step_id <> f.step_id
                        AND c.rowid BETWEEN $row_lo AND $row_hi
                        AND coalesce(c.tool, c.name) IS NOT DISTINCT FROM f.tool
                        AND coalesce(epoch_us(c.started_at)::DOUBLE, c.seq::DOUBLE) >= f.t0
                        AND NOT EXISTS (SELECT 1 FROM det_calls_failed x WHERE x.run_id = c.run_id AND x.step_id = c.step_id))
),
first AS (
    SELECT run_id, arg_min({'step_id': step_id, 'agent': agent, 'tool': tool, 'error': error, 't1': t1},
                           [t1, t0]) AS f, count(*) AS n
    FROM unrecovered GROUP BY run_id
)
SELECT x.run_id, x.f.step_id, x.f.agent, 'gave_up',
       CASE WHEN r.reported_outcome = 'success' THEN 'critical' ELSE 'warning' END,
       -- (a tool named as the agent that runs it, Who&When's Computer_terminal: "Computer_terminal's call of
       -- Computer_terminal" named a call nobody made; its own run of the tool failed)
       CASE WHEN x.f.agent = x.f.tool THEN x.f.agent || '''s own run failed ("'
            ELSE coalesce(x.f.agent, 'an agent') || '''s call of ' || coalesce(x.f.tool, 'a tool') || ' failed ("' END
       || det_quote(x.f.error, 100) || '") and was not made again with success; the answer gave up: "'
       -- (an answer that is a JSON record, a structured output such as {"response": {"comment": "I couldn't …"}},
       -- quoted by its longest text that gives up: the words a person reads, not the record's braces and keys.
       -- json_tree reads '[]' where the text is no JSON, as a CASE does not spare a subquery the text)
       || det_quote(CASE WHEN left(ltrim(a.txt), 1) IN ('{', '[') AND json_valid(a.txt)
                         THEN coalesce((SELECT arg_max(j.value ->> '$', length(j.value ->> '$'))
                                        FROM json_tree(CASE WHEN json_valid(a.txt) THEN a.txt ELSE '[]' END) j
                                        WHERE j.type = 'VARCHAR' AND det_gives_up(j.value ->> '$')), a.txt)
                         ELSE a.txt END, 120) || '"'
       || CASE WHEN r.reported_outcome = 'success' THEN ' (the run reported success)' ELSE '' END,
       json_object('tool', x.f.tool, 'answer_step', a.step_id, 'failed_calls', x.n, 'reported_outcome', r.reported_outcome)
FROM first x
JOIN det_gave_up_answers a ON a.run_id = x.run_id
JOIN runs r ON r.run_id = x.run_id
WHERE a.t1 >= x.f.t1
  AND NOT EXISTS (SELECT 1 FROM det_sink_vals v JOIN det_backend_vals b ON b.run_id = v.run_id AND b.v = v.v
                  WHERE v.run_id = a.run_id AND v.step_id = a.step_id AND v.field = 'output' AND b.num IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM det_gave_up_stated g
                  WHERE g.run_id = a.run_id AND NOT contains(coalesce(x.f.error, ''), g.token)
                    AND NOT EXISTS (SELECT 1 FROM det_task_vals t WHERE t.run_id = g.run_id AND t.num = g.num)
                    AND NOT EXISTS (SELECT 1 FROM det_sink_vals i WHERE i.run_id = g.run_id AND i.field = 'input'
                                                                   AND i.kind = 'tool' AND i.num = g.num));
