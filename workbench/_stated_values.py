"""The values a text states, defined once: the detectors (``detect/sql/macros.sql``'s ``det_amounts`` and
``det_value_tokens``, filled from these constants by ``detect/_macros.py``) and the runtime guard
(``policy/_bounce.py``) read the same patterns, kept apart from both so that the guard imports nothing of
the detectors.

Every pattern is read by RE2 (DuckDB) and by Python's ``re`` (with ``re.ASCII``): ASCII classes, ``\\b`` and
``\\B`` only, no look-around, no possessive, so that both find the same. A replacement is written ``\\1`` for
both.
"""

from __future__ import annotations

#: ISO codes of common currencies: an amount beside one is read with its decimal comma ("EUR 12,50": 12.50).
CURRENCY = (
    "(?:USD|EUR|GBP|JPY|CNY|RMB|CHF|CAD|AUD|NZD|SEK|NOK|DKK|PLN|CZK|HUF|INR|BRL|MXN|ZAR|TRY|KRW|SGD|HKD|ILS"
    "|AED|SAR|THB)"
)
#: Currency signs.
SIGNS = "[$€£¥₹]"

#: A text with an amount to rewrite: a code glued to a digit, or a decimal comma (most texts have neither
#: and are read as they are).
AMOUNT = rf"\b{CURRENCY}[0-9]|[0-9]{CURRENCY}\b|[0-9],[0-9]{{2}}(?:[^0-9]|$)"
#: A code glued to its number ("USD12.50", "12.50USD"), and what it is rewritten as: set apart by a space.
GLUED, GLUED_AS = rf"\b({CURRENCY})([0-9])|([0-9])({CURRENCY})\b", r"\1\3 \2\4"
#: A decimal comma after a currency ("EUR 12,50", "€1.234,50", "EUR -3,50"), the number written with a
#: point.
COMMA_AFTER = (
    rf"((?:\b{CURRENCY}|{SIGNS})[ \t]?-?)([0-9]+)(?:\.([0-9]{{3}}))?(?:\.([0-9]{{3}}))?,([0-9]{{2}})\b"
)
COMMA_AFTER_AS = r"\1\2\3\4.\5"
#: A decimal comma before a currency ("12,50 €", "1.234.567,89 EUR").
COMMA_BEFORE = (
    rf"\b([0-9]+)(?:\.([0-9]{{3}}))?(?:\.([0-9]{{3}}))?,([0-9]{{2}})([ \t]?(?:{CURRENCY}\b|{SIGNS}))"
)
COMMA_BEFORE_AS = r"\1\2\3.\4\5"

#: A UUID (LangChain's lc_run--<uuid>-0 suffix included): one token.
UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?:-[0-9]+)?"
#: An identifier such as SKU-7 or order_12.
IDENT = r"[A-Za-z]{1,12}[-_][0-9][A-Za-z0-9_-]*"
#: A number, with the scale word after it ("5.4 million", "1420 cents": one value).
NUMBER = (
    r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?\b"
    r"(?:[ \t]+(?:[Tt]housand|[Mm]illion|[Bb]illion|[Tt]rillion|[Cc]ents)\b)?"
)
#: A minus a number starts with: one not after a letter, digit or _ ("-6 C", "(-6)", ": -6"), so neither
#: the hyphen of an identifier (SKU-7) nor a range (3-6) nor a list's dash ("- 6": a space before the
#: number) is a sign. "-6 C" read as 6 made a finding quote a temperature of -6 as 6 (values56).
MINUS = r"\B-"

#: The values a text states, in order. (The word boundary the identifier and the number share is written
#: once: Python's ``re`` then tests it once a position; a signed number is a branch of its own, tried only
#: at a minus.)
VALUES = rf"{UUID}|\b(?:{IDENT}|{NUMBER})|{MINUS}{NUMBER}"
