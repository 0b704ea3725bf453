"""Whether the exhaustive versions of repetitive tests run: ``WORKBENCH_DEEP_TESTS=1`` (README, the test paragraph).

A default run keeps each distinct code path once (one order of three calls that each fold alike, one fixture of
several that take the same path); the deep run adds the repetitions of those paths (every order, every fixture),
never a check that the default run does not make on some input.
"""

from __future__ import annotations

import os


def deep() -> bool:
    """Whether ``WORKBENCH_DEEP_TESTS=1`` asks for the repetitions too."""
    return os.environ.get("WORKBENCH_DEEP_TESTS") == "1"
