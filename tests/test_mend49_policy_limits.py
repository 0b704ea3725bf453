"""A breaker's limit given as an integer past a float's range (``max_depth=10**400``): the policy was made without a
word, and printing it (``str(policy)``, its ``:g`` of the limit) raised a bare ``OverflowError`` (attack49's notes, not
tested there). Refused where it is made, naming the key, as an infinite limit is (``policy/_model._non_finite``)."""

from __future__ import annotations

import pytest

from workbench.exceptions import PolicyError
from workbench.policy import Policy
from workbench.policy._model import Breakers


def test_a_limit_past_a_floats_range_is_refused_naming_the_key() -> None:
    with pytest.raises(PolicyError, match=r"breakers\.max_depth: must be a finite number"):
        Policy(breakers=Breakers(max_depth=10**400))
