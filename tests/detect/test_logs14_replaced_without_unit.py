"""silent_failure on a run of unknown outcome whose answer gives its own number for a backend record with no
unit written after it ("210 at OPO": silent13's known miss). Same real shape as silent13's test (semantic-kernel
1.45's AgentGroupChat: get_stock returns one warehouse's record per call)."""

from __future__ import annotations

import pandas as pd
import pytest
from test_silent13_replaced_numbers import STOCK, found_each

REPLACED = "WID-7: 120 units in stock at LIS and 210 at OPO."
LEFT_ALONE = [
    "WID-7: 120 units in stock at LIS and 80 at OPO.",  # grounded, no unit
    "WID-7: 120 at LIS and 80 at OPO, 200 in all.",  # a sum, in lower case
    "WID-7: 120 units at LIS, 80 at OPO; 150 at OPO next week.",  # both quoted
    "WID-7: 120 units at LIS; next delivery of 40 at Porto.",  # a place the backend never named
]


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """Each answer's run's silent_failure findings, the runs in one store detected once (a store and a detect an
    answer before; suite54)."""
    cases = {says: (says, STOCK, None) for says in [REPLACED, *LEFT_ALONE]}
    return found_each(tmp_path_factory.mktemp("logs14"), cases)


def test_a_number_placed_at_the_record_of_a_backend_number_it_replaces_is_a_warning(
    found: dict[str, pd.DataFrame],
) -> None:
    replaced = found[REPLACED]
    assert list(zip(replaced.agent, replaced.severity, strict=True)) == [("writer", "warning")]
    assert replaced.detail.iat[0].startswith("outcome not reported; the final answer 210 (unsupported)")


@pytest.mark.parametrize("says", LEFT_ALONE)
def test_numbers_at_places_the_dropped_records_do_not_name_are_left_alone(
    found: dict[str, pd.DataFrame], says: str
) -> None:
    assert found[says].empty
