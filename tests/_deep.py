"""``deep()``: whether to run the exhaustive versions of tests that repeat one code path over many equivalent
inputs (more property-test examples, every fixture file through the same mapping). The default run keeps each
distinct path once; ``WORKBENCH_DEEP_TESTS=1`` runs the repetition too. Only repetition is gated on it: every
check a deep run makes, a default run makes on at least one input.

(A module of its own, not tests/conftest.py: a test module cannot import a conftest by name when a directory has
one of its own, as pytest re-imports each under the one name ``conftest``.)
"""

from __future__ import annotations

import os


def deep() -> bool:
    return os.environ.get("WORKBENCH_DEEP_TESTS", "") not in ("", "0")
