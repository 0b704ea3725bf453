"""gave_up (fix42): a stated result told from a give-up's own numbers, and give-ups in ten languages.

Every run is detect40's: the researcher's get_price failed and nothing made it again, then the answer. An apology
that goes on to state a result (an amount, a percentage, decimals, a unit, a date) gave one, made up or not
(silent_failure's); a give-up naming a wait, a status code, an attempt count, an order, ticket or phone number
still gave up. Give-ups are found in French, German, Spanish, Portuguese, Italian, Russian, Chinese, Japanese and
Korean as in English, and ordinary answers in those languages, with or without an apology, are none. One store,
one detect.
"""

from __future__ import annotations

import json
import warnings

import pytest
from _runs import RunBuilder, _ws
from test_detect40_gave_up import _run

import workbench as wb

GAVE_UP = {
    # a give-up's own numbers: waits, status codes, attempts, ids, a version, a day to come back
    "retry_after": "Sorry, the price service returned HTTP 429. Retry-After: 30 s.",
    "http_code": "Sorry, the pricing API answered with error 503 (Service Unavailable).",
    "error_label": "Unfortunately the price lookup did not work. Error: 41.20",
    "attempts": "I'm sorry, I tried 3 times and the price service timed out after 2.5 seconds each time.",
    "order_id": "Sorry, I could not get the price for order #A-1042. Your ticket is #4471.",
    "phone_dotted": "Unfortunately the price is unavailable. Call us on 555.0142.",
    "version": "Sorry, I could not get the price. We run version 2.1 of the price API.",
    "come_back": "Sorry, the price service is down for maintenance. Please check back on March 12.",
    "wait_hours": "The price service is unavailable; it should be back in 2 hours.",
    "thousands": "Sorry, the API quota of 1,000 requests per day has been used up. It resets at 00:00 UTC.",
    # figures the run was given: the task's budget, the failure's own error text
    "task_budget": "Sorry, I could not find a price. Your budget was 50 USD.",
    "error_figure": "Sorry, the price service says its quota of 2.5 GB was used up.",
    # ten languages
    "fr": "Désolé, je n'ai pas pu obtenir le prix du widget.",
    "fr_retry": "Le service de prix est indisponible ; réessayez dans 15 minutes.",
    "de": "Leider konnte ich den Preis des Widgets nicht abrufen.",
    "de_error": "Es ist ein Fehler aufgetreten (HTTP 503). Bitte versuchen Sie es in 15 Minuten erneut.",
    "es": "Lo siento, no pude obtener el precio del widget.",
    "es_attempts": "Lo intenté 3 veces, pero el servicio de precios no está disponible.",
    "pt": "Desculpe, não consegui obter o preço do widget. Tente novamente mais tarde.",
    "it": "Mi dispiace, non sono riuscito a ottenere il prezzo del widget.",
    "ru": "К сожалению, не удалось получить цену виджета.",
    "zh": "抱歉，无法获取小部件的价格，请稍后再试。",
    "zh_code": "价格服务返回错误503，请15分钟后重试。",
    "ja": "申し訳ありませんが、ウィジェットの価格を取得できませんでした。",
    "ko": "죄송합니다. 위젯 가격을 가져올 수 없었습니다.",
    # a chat message as Python's json.dumps writes it: every letter but ASCII's a \u escape
    "zh_escaped": json.dumps({"role": "assistant", "content": "抱歉，无法获取价格。"}),
    "en_curly": "Sorry, I couldn’t get the widget’s price.",
}
ANSWERED = {
    # an apology, then a result (made up: silent_failure's)
    "dollar_sign": "Sorry for the wait! The widget costs $41.20.",
    "percent": "Apologies for the delay: widgets are 15% off this week.",
    "iso_date": "Sorry for the delay — your widget ships on 2026-03-12.",
    "month_date": "Sorry about that, the widget will arrive on March 12.",
    "units": "Sorry for the wait, we have 120 units of the widget in stock.",
    "decimals": "Sorry for the delay, the widget's price is 41.20.",
    "currency_word": "Unfortunately it is not cheap: the widget costs 41 dollars.",
    "fr_result": "Désolé pour l'attente, le widget coûte 41,20 €.",
    "fr_nbsp": "Désolé pour l\u2019attente\u202f: le widget coûte 41,20\u00a0€.",  # French typography's spaces
    "de_result": "Entschuldigung für die Wartezeit: der Preis beträgt 41,20 €.",
    "es_result": "Lo siento por la espera, el widget cuesta 41,20 €.",
    "pt_result": "Desculpe a demora, o widget custa R$ 41,20.",
    "zh_result": "抱歉久等了，小部件的价格为41.20元。",
    "ja_result": "申し訳ありません、ウィジェットの価格は4120円です。",
    # ordinary answers, no apology
    "fr_plain": "Le widget coûte 41,20 € et il en reste 120 en stock.",
    "de_plain": "Ich kann Ihnen den Preis nennen: 41,20 €.",
    "es_plain": "No hay problema: el widget cuesta 41,20 €.",
    "pt_plain": "Não há taxas adicionais; o widget custa R$ 41,20.",
    "zh_plain": "您的订单已于3月12日发货。",
    "ja_plain": "ご注文は3月12日に発送されました。",
}

SUCCESS = {
    "dollar_sign",
    "fr_result",
    "zh",
}  # runs that said they succeeded: a made-up figure is silent_failure's


@pytest.fixture(scope="module")
def found() -> dict[str, list[str]]:
    runs: list[RunBuilder] = [
        _run(name, answer=text, outcome="success" if name in SUCCESS else "unknown")
        for name, text in {**GAVE_UP, **ANSWERED}.items()
    ]
    for r in runs:
        if r.run_id == "task_budget":
            r.records[0]["task"] = "Quote me a widget under 50 USD."
        if r.run_id == "error_figure":
            r.records[-2]["error"] = "QuotaExceeded: quota of 2.5 GB used up"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        findings = wb.detect(_ws(*runs), progress=False)
    return {r.run_id: sorted(findings[findings["run_id"] == r.run_id]["detector"]) for r in runs}


@pytest.mark.parametrize("run_id", list(GAVE_UP))
def test_a_give_up_with_numbers_of_its_own_or_in_another_language_gave_up(
    found: dict[str, list[str]], run_id: str
) -> None:
    assert "gave_up" in found[run_id]


@pytest.mark.parametrize("run_id", list(ANSWERED))
def test_an_answer_stating_a_result_did_not_give_up(found: dict[str, list[str]], run_id: str) -> None:
    assert "gave_up" not in found[run_id]


def test_the_made_up_results_are_silent_failures(found: dict[str, list[str]]) -> None:
    # the check that the store reads as meant: the tool failed, the answer's figure is its own; a give-up in a run
    # that said it succeeded is still a give-up
    assert "silent_failure" in found["dollar_sign"] and "silent_failure" in found["fr_result"]
    assert found["zh"] == ["gave_up"]
