"""How long each unit of the xdist split took in a whole run, so that the scheduler (tests/conftest.py) hands out
the longest first and both workers end together (longest-first: the last units handed out are the shortest).

``tests/durations.json`` maps a unit (a module's path, or ``browser`` / ``notebooks``: the groups that run on one
worker) to the seconds its tests and fixtures took. Only the order matters, not the figures: they were taken on a
loaded machine. A unit it does not list (a new module) is guessed from its count of tests. To refresh it from a
whole run's ``--durations=0`` output::

    pytest --durations=0 > /tmp/durations.txt; python tests/_durations.py --write /tmp/durations.txt

or from each test's CPU seconds (tests/conftest.py writes them, a file per worker, when $WORKBENCH_TEST_CPU names a
folder), which a loaded machine swells far less than wall seconds::

    WORKBENCH_TEST_CPU=/tmp/cpu pytest; python tests/_durations.py --write /tmp/cpu/*.txt

Without ``--write`` it prints each unit's seconds and leaves the file alone (summing a few modules' figures is
the common use; rewriting the schedule from them by accident was not rare).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

FILE = Path(__file__).with_name("durations.json")
PER_TEST = 0.25  # seconds a test of a module not listed is guessed to take
# "12.34s call     tests/x/test_y.py::test_z[param]", as pytest's --durations prints it
_LINE = re.compile(r"^\s*([0-9.]+)s\s+(setup|call|teardown)\s+(\S+?\.py)::")


def load() -> dict[str, float]:
    try:
        return {str(k): float(v) for k, v in json.loads(FILE.read_text("utf-8")).items()}
    except (OSError, ValueError, AttributeError):  # (missing or mangled: every unit guessed from its tests)
        return {}


def estimate(seconds: dict[str, float], unit: str, n_tests: int) -> float:
    return seconds[unit] if unit in seconds else PER_TEST * n_tests


def from_output(text: str, unit_of: Callable[[str], str]) -> dict[str, float]:
    """Seconds per unit summed over the setup, call and teardown lines of a ``--durations=0`` output."""
    seconds: dict[str, float] = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if m:
            unit = unit_of(m.group(3))
            seconds[unit] = seconds.get(unit, 0.0) + float(m.group(1))
    return seconds


def main(args: list[str]) -> int:
    write = "--write" in args
    paths = [a for a in args if a != "--write"]
    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import unit_of

    seconds = from_output("\n".join(Path(p).read_text("utf-8", errors="replace") for p in paths), unit_of)
    if not seconds:
        print("no --durations lines found: run pytest with --durations=0", file=sys.stderr)
        return 2
    ordered = sorted(seconds.items(), key=lambda kv: -kv[1])
    if not write:
        for unit, s in ordered:
            print(f"{s:9.1f}  {unit}")
        print(
            f"{len(seconds)} units, {sum(seconds.values()):.0f} s in all (not written: --write rewrites {FILE.name})"
        )
        return 0
    FILE.write_text(
        json.dumps({k: round(v, 1) for k, v in ordered}, indent=0) + "\n",
        "utf-8",
    )
    print(f"{FILE}: {len(seconds)} units, {sum(seconds.values()):.0f} s in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
