"""fixb44's checks beside attack44's (now plain) tests: a policy path to a device or past the size cap is refused
naming it, a labels file restating a run's outcome, a native step's negative latency in both readers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import workbench as wb
from workbench.policy import _reader


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_policy_symlink_to_dev_zero_is_refused_not_read_forever(tmp_path: Path) -> None:
    link = tmp_path / "policy.yaml"
    os.symlink("/dev/zero", link)
    with pytest.raises(wb.PolicyError, match="policy.yaml.*character device"):
        wb.Policy.from_yaml(link)


def test_a_policy_file_past_the_cap_is_refused_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("schema: workbench.policy/v4\n" + "#" * 100 + "\n", encoding="utf-8")
    monkeypatch.setattr(_reader, "MAX_BYTES", 64)  # (the cap's logic, without writing megabytes)
    with pytest.raises(wb.PolicyError, match="big.yaml.*larger than"):
        wb.Policy.from_yaml(path)
