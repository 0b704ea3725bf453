"""The opt-in CPU seconds per test (tests/conftest.py, ``$WORKBENCH_TEST_CPU``): one line per phase, in the
format tests/_durations.py reads into the scheduler's figures, the unit's seconds summed over them."""

from __future__ import annotations

from pathlib import Path

import pytest
from _durations import from_output


def _root_conftest(request: pytest.FixtureRequest) -> object:
    path = Path(__file__).with_name("conftest.py")
    found = [
        p for p in request.config.pluginmanager.get_plugins() if getattr(p, "__file__", None) == str(path)
    ]
    assert len(found) == 1, found
    return found[0]


def test_each_phase_is_a_durations_line_of_cpu_seconds(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    conftest = _root_conftest(request)
    monkeypatch.setattr(conftest, "_CPU_DIR", "/nowhere")
    monkeypatch.setattr(conftest, "_CPU", [])
    for when in ("setup", "call"):
        phase = conftest._cpu_phase(request.node, when)
        next(phase)
        sum(i * i for i in range(200_000))  # some CPU between the two readings
        with pytest.raises(StopIteration):
            next(phase)
    lines = conftest._CPU
    assert [line.split()[1:] for line in lines] == [
        ["setup", request.node.nodeid],
        ["call", request.node.nodeid],
    ]
    seconds = from_output("\n".join(lines), conftest.unit_of)
    assert list(seconds) == ["tests/test_suite46_cpu_durations.py"]
    assert (
        seconds["tests/test_suite46_cpu_durations.py"]
        == pytest.approx(sum(float(line.split("s ")[0]) for line in lines))
        and seconds["tests/test_suite46_cpu_durations.py"] > 0
    )
    monkeypatch.setattr(conftest, "_CPU_DIR", None)  # unset (the default): nothing is measured
    phase = conftest._cpu_phase(request.node, "call")
    next(phase)
    with pytest.raises(StopIteration):
        next(phase)
    assert len(conftest._CPU) == 2
