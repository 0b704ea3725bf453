"""gave_up (fix43): accents written decomposed, counts and times stated as results, Dutch and Polish.

fix42's shape: every run is detect40's (the researcher's get_price failed and nothing made it again), then the
answer. A give-up whose accents are written decomposed (NFD: "e" + U+0301, as macOS file names and some editors
write them) reads as the composed text. An apology that goes on to state a count of things ("41 widgets"), a time
of day ("14:05") or a duration of hours and minutes ("3 h 20 min") gave a result; a give-up's own counts (attempts,
a quota, suppliers none of which answered) and times (since when a service is down, when a quota resets) did not.
Give-ups in Dutch and Polish are found, and their answers that state a result are none. And a tool result is a
failed call when any of its status fields says so (det_error_record): ``{"status": "ok", "response_status":
"Error"}`` (the transport fine, the call not) read "ok" through one coalesce of ``status``, ``response_status`` and
``state``, so the apology after it was no give-up. One store, one detect.
"""

from __future__ import annotations

import unicodedata
import warnings

import pandas as pd
import pytest
from _runs import RunBuilder, _ws
from test_detect40_gave_up import _run

import workbench as wb


def _nfd(text: str) -> str:
    out = unicodedata.normalize("NFD", text)
    assert out != text
    return out


GAVE_UP = {
    # accents decomposed
    "fr_nfd": _nfd("Désolé, le prix du widget nous échappe."),
    "pt_nfd": _nfd("Não consegui obter o preço do widget."),
    "ko_nfd": _nfd("죄송합니다. 위젯 가격을 가져올 수 없었습니다."),
    # a give-up's own counts and times
    "suppliers_none": "Sorry, I checked 3 suppliers and none of them had the widget's price.",
    "down_since": "Sorry, the price service has been down since 14:05.",
    "quota_resets": "Sorry, the price quota is used up. It resets at 00:00 UTC.",
    "calls_per_hour": "Sorry, the price API allows 100 calls per hour and we used them all.",
    "wait_compound": "Sorry, the price service is down; please try again in 1 h 30 min.",
    # Dutch
    "nl": "Helaas kon ik de prijs van de widget niet ophalen.",
    "nl_sorry": "Het spijt me, de prijsdienst is momenteel niet beschikbaar. Probeer het later opnieuw.",
    "nl_error": "Er is een fout opgetreden bij het ophalen van de prijs (HTTP 503).",
    # Polish
    "pl": "Przepraszam, nie udało się pobrać ceny widżetu.",
    "pl_unavailable": "Niestety usługa cen jest niedostępna. Spróbuj ponownie za 15 minut.",
    "pl_error": "Wystąpił błąd podczas pobierania ceny (HTTP 503).",
}
ANSWERED = {
    # an apology, then a result
    "count": "Sorry for the wait, we have 41 widgets in stock.",
    "clock": "Sorry for the wait, your widget is ready for pickup at 14:05.",
    "duration": "Sorry for the wait: the widget's delivery takes 3 h 20 min.",
    "fr_count": "Désolé pour l'attente, il nous reste 41 widgets.",
    "fr_nfd_result": _nfd("Désolé pour l'attente, le widget coûte 41,20 €."),
    "nl_result": "Sorry voor het wachten, de widget kost € 41,20.",
    "nl_date": "Excuses voor het wachten: de widget wordt op 12 maart geleverd.",
    "pl_result": "Przepraszam za zwłokę, widżet kosztuje 41,20 zł.",
    "pl_date": "Przepraszam za oczekiwanie: widżet zostanie dostarczony 12 marca.",
    # ordinary answers, no apology
    "nl_plain": "De widget kost € 41,20 en er zijn er nog 120 op voorraad.",
    "pl_plain": "Widżet kosztuje 41,20 zł; w magazynie jest 120 sztuk.",
}
# tool results (the call's span fine) whose status fields say it failed, or not; the answer apologises
APOLOGY = "Sorry, I could not get the widget's price."
FAILED_BY_STATUS = {
    "ok_then_error": '{"status": "ok", "response_status": "Error", "message": "ERROR: No data found"}',
    "ok_state_failed": '{"status": "OK", "state": " failed ", "detail": "quota"}',
    "done_but_fail": '{"response_status": "200", "state": "done", "status": "fail"}',
}
FINE_BY_STATUS = {
    "all_fine": '{"status": "ok", "response_status": "Success", "state": "done", "item": "widget"}',
    "ok_more": '{"status": "ok", "response_status": "error_free", "state": "partial"}',
}


@pytest.fixture(scope="module")
def findings() -> pd.DataFrame:
    runs: list[RunBuilder] = [_run(name, answer=text) for name, text in {**GAVE_UP, **ANSWERED}.items()]
    runs += [
        _run(name, tool_status="ok", tool_error=None, answer=APOLOGY, tool_output=out)
        for name, out in {**FAILED_BY_STATUS, **FINE_BY_STATUS}.items()
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return wb.detect(_ws(*runs), progress=False)


@pytest.fixture(scope="module")
def found(findings: pd.DataFrame) -> dict[str, list[str]]:
    return {
        run: sorted(findings[findings["run_id"] == run]["detector"])
        for run in {**GAVE_UP, **ANSWERED, **FAILED_BY_STATUS, **FINE_BY_STATUS}
    }


@pytest.mark.parametrize("run_id", list(GAVE_UP))
def test_a_give_up_decomposed_with_counts_of_its_own_or_in_dutch_or_polish_gave_up(
    found: dict[str, list[str]], run_id: str
) -> None:
    assert "gave_up" in found[run_id]


@pytest.mark.parametrize("run_id", list(ANSWERED))
def test_an_answer_stating_a_count_a_time_or_a_result_did_not_give_up(
    found: dict[str, list[str]], run_id: str
) -> None:
    assert "gave_up" not in found[run_id]


def test_the_decomposed_give_up_is_quoted_composed(findings: pd.DataFrame) -> None:
    # the finding quotes the answer as a reader searching for "Désolé" finds it
    detail = findings[(findings["run_id"] == "fr_nfd") & (findings["detector"] == "gave_up")]["detail"].iloc[
        0
    ]
    assert 'the answer gave up: "Désolé, le prix du widget nous échappe."' in detail, detail


@pytest.mark.parametrize("run_id", list(FAILED_BY_STATUS))
def test_any_status_field_saying_failed_is_a_failed_call(found: dict[str, list[str]], run_id: str) -> None:
    assert "gave_up" in found[run_id]


@pytest.mark.parametrize("run_id", list(FINE_BY_STATUS))
def test_status_fields_saying_anything_else_are_not(found: dict[str, list[str]], run_id: str) -> None:
    assert "gave_up" not in found[run_id]
