"""``workbench policy suggest --method peaks --quantile Q``: the command line checks Q with ``_rate`` ("must be in
[0, 1]", ``cli.py``) while ``suggest_limits`` takes (0, 1]. ``--quantile 0`` passes the command line's check, the
paths are ingested into ``--db``, and only then is it refused (exit 2, "'quantile' must be in (0, 1]", without
the "see --help" of an argument error): a bad argument has written the user's store. Round 47 made ``--quantile``
an argument of ``--method peaks`` (claims47); its range check is the argparse one. attack48's (LOW), mended in round 48."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.cli import build_parser


def test_a_quantile_suggest_limits_refuses_is_refused_by_the_command_line(
    capsys: pytest.CaptureFixture,
) -> None:
    with pytest.raises(wb.InvalidParameterError, match="quantile"):
        wb.suggest_limits(wb.open(), quantile=0)  # (the library's range: (0, 1])
    argv = ["policy", "suggest", "--method", "peaks", "--quantile", "0", "-o", "p.yaml", "one.jsonl"]
    with pytest.raises(SystemExit):  # (an argument error, before any path is read or any store opened)
        build_parser().parse_args(argv)
