"""blame51 look N's diagnostic (after its result; decides nothing): how rare H's two named acts are per system, and
where the rarity weighting moves the step scorer's weight when H's recipe is fitted on the whole pool.

    python bench/attribution_blame51_diag.py FRAME_H

FRAME_H is ``bench/attribution_span48.py frame``'s.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import attribution_span48 as s48  # noqa: E402
from attribution_blame44 import read_frame  # noqa: E402
from attribution_blame51 import ACTS, rare_named_firsts  # noqa: E402
from attribution_logonly import AG, HC  # noqa: E402

from workbench.attribution._blame_model import BlameModel  # noqa: E402

WATCH = (*ACTS, "first_of_agent", "first_model_turn")


def main() -> None:
    warnings.filterwarnings("ignore")
    XH, labels = read_frame(Path(sys.argv[1]))
    XN = rare_named_firsts(XH)
    systems = [AG, HC, *sorted(set(XH["system"]) - {AG, HC})]
    for name in ACTS:
        on = XH[XH[name] > 0]
        w = XN.loc[on.index, name]
        cells = {
            s: (int((on["system"] == s).sum()), round(float(w[on["system"] == s].mean()), 2)) for s in systems
        }
        print(f"{name}: per system (moves flagged, mean rarity weight): {cells}")
    for look, X in (("H", XH), ("N", XN)):
        m = BlameModel(**{**s48.FAST, **s48.H}).fit_frame(X, labels)
        coef = pd.Series(m.step_model_.coef, index=m.feature_names_in_)
        print(
            f"{look}'s step coefficients, fitted on the whole pool: "
            + ", ".join(f"{n} {coef[n]:+.2f}" for n in WATCH)
        )


if __name__ == "__main__":
    main()
