"""``deep()``: whether ``WORKBENCH_DEEP_TESTS=1`` asks for the exhaustive versions of the tests whose default run
keeps each distinct path once (the same path over more equivalent inputs: more readers x splits, more fuzz
examples). Only repetition is left to it, never a check no default test makes.

A module of its own, not tests/conftest.py: a test module under a directory with its own conftest.py (tests/ingest)
imports that one as ``conftest``, so a helper of the top conftest cannot be imported by name there."""

from __future__ import annotations

import os


def deep() -> bool:
    """Whether the exhaustive versions run ($WORKBENCH_DEEP_TESTS=1)."""
    return os.environ.get("WORKBENCH_DEEP_TESTS") == "1"
