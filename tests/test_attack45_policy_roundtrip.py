"""A policy the workbench writes and then refuses to read: fixb44 capped a policy file's read at 4 MB (a named pipe or
``/dev/zero`` was read forever) and ``policy/_reader.py`` caps a document at 100,000 values (YAML aliases). The
writer has no such caps: a sweep's per-agent HITL rules (``thresholds/_sweep.py::to_policy``, one rule an agent)
for a store whose agent names are long (log content) or many are written whole, and ``Policy.from_json`` of that
very file is a PolicyError ("larger than 4,194,304 bytes", or "YAML aliases that expand without end?"). A guard
started from it fails at start-up. attack45's strict xfail: the write should refuse (or the read accept) what the
other does."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.policy import HitlRule, Policy, PolicyError


@pytest.mark.xfail(
    strict=True,
    reason="attack45: policy/_model.py Policy.to_json / to_yaml write a policy past policy/_reader.py's caps "
    "(MAX_BYTES 4 MB, MAX_VALUES 100,000) without a word; reading that file back is a PolicyError",
)
def test_a_policy_the_workbench_writes_is_one_it_reads(tmp_path: Path) -> None:
    # four per-agent rules whose agent names (from the logs) are a megabyte each
    rules = tuple(HitlRule("confidence", 0.5, agent=f"{'planner ' * 140_000}{i}") for i in range(4))
    path = tmp_path / "policy.json"
    try:
        Policy(hitl=rules).to_json(path)
    except PolicyError:  # refused at writing, naming the cap: as good as a file that reads back
        return
    assert len(Policy.from_json(path).hitl) == 4
