"""The policy schema is checked without jsonschema (whose import costs a guard 1.2 s of CPU), and says
exactly what jsonschema would: same field, same first error, same message, on many broken documents."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from _deep import deep
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.exceptions import PolicyError
from workbench.policy import Policy, _model
from workbench.policy._model import schema_text

jsonschema = pytest.importorskip("jsonschema")

VALID = {
    "schema": "workbench.policy/v2",
    "version": "1",
    "name": None,
    "breakers": {
        "max_depth": 3,
        "max_handoffs": None,
        "max_step_latency_ms": 100.5,
        "max_run_latency_ms": None,
    },
    "budgets": {"max_tool_calls_run": 5, "max_tool_calls_agent": None, "max_retries": 0},
    "loops": {
        "max_repeats": 1,
        "window": 20,
        "max_pingpong": 2,
        "max_repeated_replies": None,
        "repeat_similarity": 0.8,
        "repeat_min_words": 3,
        "min_value": 10.0,
    },
    "hitl": [{"signal": "entropy", "threshold": 0.9, "direction": "above", "agent": "a"}],
    "provenance": {"created_at": "x", "runs": 3, "sweep": {"k": [1]}, "notes": ["n"]},
}
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 20_000),
    st.floats(allow_nan=False),
    st.sampled_from(
        [
            2.0,
            -0.5,
            0.0,
            1.0,
            math.inf,
            "",
            "x",
            "high",
            "entropy",
            "below",
            "2026-01-01",
            "workbench.policy/v1",
        ]
    ),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from(["a", "signal"]), st.integers(0, 2), max_size=2),
)


def _paths(doc, prefix=()):  # noqa: ANN001, ANN202
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, (*prefix, i))


PATHS = [p for p in _paths(VALID) if p]


@st.composite
def broken(draw):  # noqa: ANN001, ANN202
    doc = json.loads(json.dumps(VALID))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent = doc
        try:
            for part in path[:-1]:
                parent = parent[part]
            action = draw(st.sampled_from(["set", "set", "set", "drop", "extra"]))
            if action == "set":
                parent[path[-1]] = draw(VALUES)
            elif action == "drop" and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif isinstance(parent, dict):
                parent[draw(st.sampled_from(["zz", "max_Depth", "threshold"]))] = draw(VALUES)
        except (KeyError, IndexError, TypeError):
            pass
    return doc


def _message(doc) -> str | None:  # noqa: ANN001
    try:
        _model.validate(doc)
    except PolicyError as exc:
        return str(exc)
    return None


# 150 broken documents a run (400 with WORKBENCH_DEEP_TESTS=1, tests/_deep.py): each is the same two validations
@settings(max_examples=400 if deep() else 150, deadline=None)
@given(doc=broken())
def test_same_first_error_as_jsonschema(doc) -> None:  # noqa: ANN001
    ours = _message(doc)
    theirs = _message_jsonschema(doc)
    assert ours == theirs


def _message_jsonschema(doc) -> str | None:  # noqa: ANN001
    validator = jsonschema.Draft202012Validator(json.loads(schema_text()))
    errors = sorted(validator.iter_errors(doc), key=lambda e: (list(e.absolute_path), e.validator))
    if errors:
        err = min(errors, key=lambda e: (-len(e.absolute_path), _model._ORDER.get(e.validator, 9)))
        return f"policy: {_model._path(err)}: {_model._explain(err)}"
    bad = _model._non_finite(doc)
    if bad is not None:
        hint = "remove the rule to turn it off" if bad[0].startswith("hitl") else "use null for no limit"
        return f"policy: {bad[0]}: must be a finite number, got {bad[1]!r} ({hint})"
    for i, rule in enumerate(
        doc.get("hitl") or ()
    ):  # (ux48: a threshold outside its signal's range, after both)
        why = _model.threshold_out_of_range(rule["signal"], rule["threshold"], rule.get("direction") or "")
        if why is not None:
            return f"policy: hitl[{i}].threshold: {why}"
    return None


def test_the_valid_document_and_policies_pass() -> None:
    assert _message(VALID) is None and _message_jsonschema(VALID) is None
    assert Policy.from_dict(VALID).budgets.max_tool_calls_run == 5


def test_building_a_policy_imports_no_jsonschema() -> None:
    code = (
        "import sys\nfrom workbench.policy import Policy\n"
        "Policy.from_yaml('schema: workbench.policy/v2\\nbudgets: {max_retries: 2}')\n"
        "print('jsonschema' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
