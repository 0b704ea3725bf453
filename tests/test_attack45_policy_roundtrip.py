"""A policy the workbench writes and then refuses to read: fixb44 capped a policy file's read at 4 MB (a named pipe or
``/dev/zero`` was read forever) and ``policy/_reader.py`` caps a document at 100,000 values (YAML aliases). The
writer has no such caps: a sweep's per-agent HITL rules (``thresholds/_sweep.py::to_policy``, one rule an agent)
for a store whose agent names are long (log content) or many are written whole, and ``Policy.from_json`` of that
very file is a PolicyError ("larger than 4,194,304 bytes", or "YAML aliases that expand without end?"). A guard
started from it fails at start-up. attack45's strict xfail, fixed by route45 (the write refuses it): the write should refuse (or the read
accept) what the other does."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.policy import HitlRule, Policy, PolicyError, _model, _reader


def test_a_policy_the_workbench_writes_is_one_it_reads(tmp_path: Path) -> None:
    # four per-agent rules whose agent names (from the logs) are a megabyte each
    rules = tuple(HitlRule("confidence", 0.5, agent=f"{'planner ' * 140_000}{i}") for i in range(4))
    path = tmp_path / "policy.json"
    try:
        Policy(hitl=rules).to_json(path)
    except PolicyError:  # refused at writing, naming the cap: as good as a file that reads back
        return
    assert len(Policy.from_json(path).hitl) == 4


def test_the_writer_refuses_what_the_reader_refuses_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """route45: refused at writing with the reader's words, the file not made, past either cap (made small here
    to keep the policy and its dump short: a sweep's 20,001 per-agent rules pass 100,000 values), JSON or YAML."""
    monkeypatch.setattr(_reader, "MAX_VALUES", 60)
    many = Policy(hitl=tuple(HitlRule("confidence", 0.5, agent=f"a{i}") for i in range(12)))
    assert Policy.from_json(Policy(hitl=many.hitl[:2]).to_json(tmp_path / "two.json")).hitl == many.hitl[:2]
    path = tmp_path / "policy.json"
    with pytest.raises(PolicyError, match=f"cannot write policy file {path}: more than 60 values"):
        many.to_json(path)
    with pytest.raises(PolicyError, match="more than 60 values"):  # (what the reader says of that text)
        Policy.from_json(many.to_json())
    assert not path.exists()
    monkeypatch.setattr(_model, "MAX_BYTES", 100)
    small = Policy(hitl=(HitlRule("confidence", 0.5, agent="planner"),))
    with pytest.raises(PolicyError, match="larger than 4,194,304 bytes"):
        small.to_yaml(tmp_path / "policy.yaml")
    assert not (tmp_path / "policy.yaml").exists() and "planner" in small.to_yaml()
