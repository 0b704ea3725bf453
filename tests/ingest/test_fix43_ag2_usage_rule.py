"""AG2 1.x's usage rule ("a model call's record holds tokens only when no other step of its run does") is written
once (fix43): the staged, stored and export-merge SQL apply the predicates of ``ag2_usage_macros.sql``, where each
had its own copy of the attribute tests (three to keep equal by hand). The rows are the same (EXCEPT ALL against
main on the AG2 fixtures, split and merged: fix43's notes); here, that no copy comes back, and that the macros
serve a connection that has not ingested anything yet (an export merged into a fresh store)."""

from __future__ import annotations

from importlib import resources

import duckdb

from workbench.store._export_usage import usage_macros

_FILES = ("ag2_usage_tokens", "ag2_usage_stored", "ag2_usage_export")


def _sql(name: str) -> str:
    return resources.files("workbench.store").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def test_the_attribute_tests_live_in_the_macros_only() -> None:
    for key in (
        '"ag2.usage.kind"',
        '"gen_ai.usage.input_tokens"',
        '"gen_ai.usage.output_tokens"',
        '"gen_ai.usage.cost"',
    ):
        assert key in _sql("ag2_usage_macros"), key
        for name in _FILES:
            assert key not in _sql(name), (name, key)
    for name in _FILES:
        # ("ag2.span.type" stays only as the export's cheap text test before the JSON is parsed)
        assert "json_extract_string(attributes, '$.\"ag2.span.type\"')" not in _sql(name), name


def test_the_macros_read_a_record_as_the_rule_says() -> None:
    con = duckdb.connect()
    usage_macros(con)
    rows = con.execute("""
        SELECT ag2_call_record(a), ag2_usage_record(a), ag2_holds_tokens(tin, tout, a),
               ag2_record_tokens_in(a), ag2_record_tokens_out(a), ag2_record_cost(a)
        FROM (VALUES ('{"ag2.span.type": "usage", "ag2.usage.kind": "model_call", "gen_ai.usage.input_tokens": 120,
                        "gen_ai.usage.output_tokens": "30", "gen_ai.usage.cost": 0.5}', NULL, NULL),
                     ('{"ag2.span.type": "usage", "ag2.usage.kind": "subtask"}', 9, NULL),
                     ('{"ag2.span.type": "llm"}', 100, NULL),
                     ('{}', NULL, NULL)) v(a, tin, tout)""").fetchall()
    assert rows == [
        (True, True, False, 120, 30, 0.5),
        (False, True, False, None, None, None),
        (False, False, True, None, None, None),
        (None, None, False, None, None, None),
    ]  # (NULL: no record)
