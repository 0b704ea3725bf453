"""A BlameModel whose parameters are numpy numbers (a grid from ``np.arange`` / ``np.linspace(dtype=float32)``) fits
and predicts, and is saved and loaded (attack40, probing blame39's ``first_flagged``; it could not be saved
before the parameters were written as Python numbers).

``fit`` checks each parameter and takes ``np.float32(0.25)`` as a ``flag_margin`` and ``np.int64(50)`` as an
``n_estimators`` (np.float64 is a float, and is saved), but ``save`` writes the parameters with the json module:
``TypeError: Object of type float32 is not JSON serializable`` after the fit, from deep in the save.
What held: ``flag_margin`` inf / 1e308 / 0 (fit, predict, save, load, the same verdicts); NaN, '0.25', True refused by
name (InvalidParameterError).
"""

from __future__ import annotations

import numpy as np
from _whowhen_fixture import two_systems_frame

import workbench as wb


def test_a_model_fitted_with_numpy_parameters_is_saved_and_loaded(tmp_path) -> None:  # noqa: ANN001
    ws, _, alpha, beta = two_systems_frame(tmp_path / "runs", 6, 2)
    model = wb.BlameModel(
        agent_aggregation="first_flagged",
        flag_margin=np.float32(0.25),
        n_estimators=np.int64(50),
        estimator="linear",
        features="portable",
        detect=False,
        calibration_cv=None,
    ).fit(ws, alpha)
    verdicts = model.predict(ws, beta)
    model.save(tmp_path / "m.json")
    back = wb.BlameModel.load(tmp_path / "m.json")
    assert (back.flag_margin, back.n_estimators) == (0.25, 50)
    assert back.predict(ws, beta).equals(verdicts)
