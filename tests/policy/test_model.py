"""Policy documents: YAML/JSON round trips, the published schema, and one clear error per bad file."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

import workbench as wb
from workbench.policy import Breakers, Budgets, HitlRule, Loops, Policy, PolicyError, Provenance


def full_policy() -> Policy:
    return Policy(
        version="7",
        name="procurement",
        breakers=Breakers(
            max_depth=6, max_handoffs=12, max_step_latency_ms=30_000.5, max_run_latency_ms=1.2e5
        ),
        budgets=Budgets(max_tool_calls_run=25, max_tool_calls_agent=10, max_retries=2),
        loops=Loops(max_repeats=1, window=15, max_pingpong=3),
        hitl=(
            HitlRule("confidence", 0.42),
            HitlRule("entropy", 1.1, agent="pricer"),
            HitlRule("tool_calls", 12, "above"),
        ),
        provenance=Provenance(
            created_at="2026-11-30T05:00:00+00:00",
            store="x.duckdb",
            runs=500,
            failures=108,
            source="sweep_thresholds",
            sweep={"signal": "entropy", "budget": 0.1},
            notes=("one", "two"),
        ),
    )


def test_yaml_and_json_round_trip(tmp_path: Path) -> None:
    p = full_policy()
    assert Policy.from_yaml(p.to_yaml()) == p
    assert Policy.from_json(p.to_json()) == p
    p.to_yaml(tmp_path / "p.yaml")
    p.to_json(tmp_path / "p.json")
    assert Policy.from_yaml(tmp_path / "p.yaml") == p
    assert Policy.from_json(str(tmp_path / "p.json")) == p
    assert (
        wb.Policy.from_yaml(str(tmp_path / "p.yaml")).hitl[0].direction == "below"
    )  # confidence: low is bad
    assert p.hitl[1].direction == "above"


def test_schema_is_published_in_the_package() -> None:
    shipped = json.loads(
        resources.files("workbench.policy").joinpath("policy.schema.json").read_text("utf-8")
    )
    assert Policy.json_schema() == shipped
    assert shipped["$schema"].startswith("https://json-schema.org/draft/2020-12")
    # every document we write validates against the schema with a stock validator too
    from jsonschema import Draft202012Validator

    Draft202012Validator(shipped).validate(full_policy().to_dict())


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["hitl"][0].update(threshold="high"), 'hitl[0].threshold: must be a number, got "high"'),
        (lambda d: d["breakers"].update(max_depth=-1), "breakers.max_depth: must be >= 0, got -1"),
        (
            lambda d: d["breakers"].update(max_depth=2.5),
            "breakers.max_depth: must be an integer (or null), got 2.5",
        ),
        (lambda d: d["budgets"].update(max_retrys=3), "budgets: unknown field 'max_retrys'"),
        (lambda d: d["hitl"][1].update(signal="vibes"), 'hitl[1].signal: must be one of "confidence"'),
        (lambda d: d["hitl"][2].pop("threshold"), "hitl[2]: missing required field 'threshold'"),
        (lambda d: d["hitl"][0].update(direction="sideways"), 'hitl[0].direction: must be one of "above"'),
        (
            lambda d: d.update(schema="workbench.policy/v0"),
            'schema: must be one of "workbench.policy/v4", "workbench.policy/v3", "workbench.policy/v2", "workbench.policy/v1"',
        ),
        (lambda d: d["loops"].update(window=0), "loops.window: must be >= 1, got 0"),
        (lambda d: d.update(hitl={"signal": "entropy"}), "hitl: must be a list"),
    ],
)
def test_bad_file_gets_one_error_naming_the_field(tmp_path: Path, edit, message: str) -> None:
    doc = full_policy().to_dict()
    edit(doc)
    path = tmp_path / "bad.yaml"
    import yaml

    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(PolicyError) as err:
        Policy.from_yaml(path)
    assert str(err.value).startswith(f"{path}: {message}"), str(err.value)
    assert "\n" not in str(err.value)
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(PolicyError, match="must|missing|unknown"):
        Policy.from_json(tmp_path / "bad.json")


def test_unparsable_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("breakers: {max_depth: [\n")
    with pytest.raises(PolicyError, match=r"broken.yaml: not valid YAML \(line \d+, column \d+\)"):
        Policy.from_yaml(tmp_path / "broken.yaml")
    (tmp_path / "broken.json").write_text('{"schema": ')
    with pytest.raises(PolicyError, match=r"broken.json: not valid JSON \(line 1"):
        Policy.from_json(tmp_path / "broken.json")
    with pytest.raises(PolicyError, match="cannot read policy file"):
        Policy.from_yaml(tmp_path / "nope.yaml")
    with pytest.raises(PolicyError, match=r"\(top level\): must be a mapping"):
        Policy.from_yaml("- 1\n- 2\n")


def test_policy_error_is_in_the_tree_and_python_objects_are_checked_too() -> None:
    assert issubclass(PolicyError, wb.WorkbenchError) and not issubclass(wb.PolicyViolation, PolicyError)
    with pytest.raises(PolicyError, match=r"hitl\[0\].threshold: must be a number"):
        Policy(hitl=(HitlRule("entropy", "high"),))  # type: ignore[arg-type]
    assert str(Policy()) == "Policy v1: no rules"
    assert "max_depth=6" in str(full_policy()) and "hitl:entropy>=1.1@pricer" in str(full_policy())


def _laughs(levels: int = 9) -> str:
    text = "schema: workbench.policy/v1\nprovenance:\n  sweep:\n    a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, levels):
        text += f"    a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n"
    return text + f"    top: *a{levels - 1}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # a 1 KB file of aliases that expands to 9^9 values: the reader hung (and grew) before
        (_laughs(), "more than 100,000 values"),
        ("schema: workbench.policy/v1\nprovenance:\n  sweep: " + "[" * 200 + "]" * 200 + "\n", "levels deep"),
        # the second value silently won before
        (
            "schema: workbench.policy/v1\nbreakers: {max_depth: 3}\nbreakers: {max_depth: 99}\n",
            r"line 3, column 1\): duplicate key 'breakers'",
        ),
        (
            "schema: workbench.policy/v1\nbudgets: {max_retries: 2, max_retries: 9}\n",
            "duplicate key 'max_retries'",
        ),
        # a NaN threshold never fires and an infinite limit never cuts: both were accepted
        (
            "schema: workbench.policy/v1\nhitl:\n- {signal: confidence, threshold: .nan}\n",
            r"hitl\[0\].threshold: must be a finite number, got nan \(remove the rule",
        ),
        (
            "schema: workbench.policy/v1\nbreakers: {max_step_latency_ms: .inf}\n",
            r"breakers.max_step_latency_ms: must be a finite number, got inf \(use null for no limit\)",
        ),
        ("schema: workbench.policy/v1\nversion: 2\n", r"version: must be a string, got 2 \(quote it: '2'\)"),
        # YAML 1.1 reads 1e6 as text: the error said only "must be a number"
        (
            "schema: workbench.policy/v1\nbreakers: {max_step_latency_ms: 1e6}\n",
            r"got \"1e6\" \(YAML reads 1e6 as text: write 1.0e\+06\)",
        ),
        (
            "schema: workbench.policy/v1\nbreakers: {max_depth: 1e3}\n",
            r"got \"1e3\" \(YAML reads 1e3 as text: write 1000\)",
        ),
        (
            "schema: workbench.policy/v1\nname: !!python/object/apply:os.system ['echo pwned']\n",
            "could not determine a constructor",
        ),
    ],
)
def test_hostile_yaml_gets_a_policy_error_at_once(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        Policy.from_yaml(text)


def test_hostile_json_gets_a_policy_error(tmp_path: Path) -> None:
    deep = (
        '{"schema": "workbench.policy/v1", "provenance": {"sweep": ' + '{"a": ' * 50_000 + "1" + "}" * 50_002
    )
    # one line of text, far longer than a file name may be: read as the document, not as a path
    with pytest.raises(PolicyError, match="levels deep"):
        Policy.from_json(deep)
    with pytest.raises(PolicyError, match="duplicate key 'name'"):
        Policy.from_json('{"schema": "workbench.policy/v1", "name": "a", "name": "b"}')
    path = tmp_path / "p.json"
    path.write_text('{"schema": "workbench.policy/v1", "hitl": [{"signal": "entropy", "threshold": NaN}]}')
    with pytest.raises(PolicyError, match=r"p.json: hitl\[0\].threshold: must be a finite number"):
        Policy.from_json(path)
    with pytest.raises(PolicyError, match="must be a finite number"):
        Policy(hitl=(HitlRule("entropy", float("inf")),))
    # what the writer produces still reads back, aliases and all
    assert Policy.from_yaml(full_policy().to_yaml()) == full_policy()
    assert Policy.from_yaml("schema: workbench.policy/v1\nprovenance:\n  notes: &n [a]\n  sweep: {x: *n}\n")


def test_a_count_written_as_a_whole_float_is_held_as_an_integer() -> None:
    """guard36: ``window: 1.0`` is an integer to the schema (2.0 is one since draft 6) and passed validation, then
    the guard (and the backtest, one core) raised "TypeError: an integer is required" building its window; a
    limit of 2.0 showed as "the limit is 2.0" and was written back so. Held as the integer it is."""
    policy = Policy.from_yaml(
        "schema: workbench.policy/v4\nloops: {window: 1.0, max_repeats: 0.0}\n"
        "budgets: {max_tool_calls_run: 2.0}\nprovenance: {runs: 5.0}\n"
    )
    assert (policy.loops.window, policy.loops.max_repeats, policy.budgets.max_tool_calls_run) == (1, 0, 2)
    assert type(policy.loops.window) is int and type(policy.provenance.runs) is int
    assert Policy(loops=Loops(window=3.0)).loops.window.__class__ is int  # built in Python too
    guard = wb.Guard(policy)
    for _ in range(2):
        guard.before_step("r", "a", "tool", tool="t", args={"q": 1})
    with pytest.raises(wb.PolicyViolation, match="the limit is 2$"):
        guard.before_step("r", "a", "tool", tool="t", args={"q": 2})
    assert "window: 1\n" in policy.to_yaml() and policy.loops.repeat_similarity == 0.8
