"""Rules that find identifiers in free text: each yields ``Found`` spans, never replaces.

Identifiers with a fixed shape (email, NHS number, phone, postcode, date) are regular
expressions; NHS numbers must also pass the modulus-11 check, so an arbitrary 10-digit
reference is not mistaken for one. Names come from titles, introductions ("my name is …")
and a list of given names; places and organisations from lists the service configures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spstories.core.deid.names import AMBIGUOUS, FIRST_NAMES, TITLES

# Higher wins when spans overlap: a shaped identifier beats a guess about a name.
PRIORITY = {"EMAIL": 90, "NHS NUMBER": 80, "PHONE": 70, "POSTCODE": 60, "DATE": 50,
            "ORGANISATION": 40, "PLACE": 35, "NAME": 30}


@dataclass(frozen=True)
class Found:
    """A span of the text that is an identifier of ``kind`` (``NAME``, ``PHONE``…)."""

    start: int
    end: int
    kind: str
    key: str = ""  # what makes two mentions the same entity (for numbered placeholders)


EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
NHS = re.compile(r"(?<![\w-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\w-])")
# UK numbers: 0 or +44/0044 (optionally "(0)"), then 9 or 10 digits with spaces, dashes or
# brackets between them: 020 7946 0018, (0161) 496 0000, 07700 900123, +44 (0)7700 900 123.
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)44\s?(?:\(0\)\s?)?|\(0|0)\d(?:[ \-]?\)?[ \-]?\d){8,9}(?![\w])"
)
# Outward code: A9, A99, A9A, AA9, AA99, AA9A; inward: 9AA (never C, I, K, M, O, V).
POSTCODE = re.compile(
    r"(?<![\w])(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})(?![\w])",
    re.IGNORECASE,
)
_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
           r"Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
DATE = re.compile(
    "|".join((
        r"\b\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})\b",  # 03/02/2025, 3.2.25
        r"\b\d{4}-\d{2}-\d{2}\b",  # 2025-02-03
        rf"\b{_WEEKDAY}{_DAY}\s+(?:of\s+)?{_MONTHS}\b\.?(?:,?\s+\d{{4}}\b)?",  # 3rd of March 2025
        rf"\b{_WEEKDAY}{_MONTHS}\s+{_DAY}\b(?:,?\s+\d{{4}}\b)?",  # March 3rd, 2025
        rf"\b{_MONTHS}\s+\d{{4}}\b",  # March 2025
    ))
)
_WORD = r"[A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)*"
_TITLED = re.compile(rf"\b(?:{'|'.join(TITLES)})\.?\s+({_WORD}(?:\s+{_WORD})?)")
_INTRODUCED = re.compile(
    rf"\b(?:[Mm]y name is|[Mm]y name's|I'm called|I am called|called|named|known as|"
    rf"[Cc]all me)\s+({_WORD}(?:\s+{_WORD})?)"
)
# Zero-width, so every capitalised word is tried ("Later Sarah" must still find "Sarah").
_CAPITALISED = re.compile(rf"\b(?=({_WORD}(?:\s+{_WORD})?))")
# Capitalised words that follow a given name but are not surnames ("Sarah Said", "Tom Went").
_NOT_SURNAMES = frozenset(str.split("""
    and but or the a an i he she they we it said says told went came was is has had who
    would will could should did does from to at in on of for with as when then so if
"""))


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS number modulus-11 check: weights 10..2, check digit 11 - (sum mod 11)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def shaped(text: str) -> Iterator[Found]:
    """Email addresses, valid NHS numbers, phone numbers, postcodes and dates."""
    for m in EMAIL.finditer(text):
        yield Found(m.start(), m.end(), "EMAIL")
    for m in NHS.finditer(text):
        if nhs_number_is_valid("".join(m.groups())):
            yield Found(m.start(), m.end(), "NHS NUMBER")
    for m in PHONE.finditer(text):
        # "(07700 900123)": the bracket belongs to the sentence, not to an area code.
        start = m.start() + 1 if m.group().startswith("(") and ")" not in m.group() else m.start()
        yield Found(start, m.end(), "PHONE")
    for pattern, kind in ((POSTCODE, "POSTCODE"), (DATE, "DATE")):
        for m in pattern.finditer(text):
            yield Found(m.start(), m.end(), kind)


def _name_tokens(span: str) -> list[str]:
    return [w for w in span.split() if w.lower() not in _NOT_SURNAMES]


def _name(text: str, start: int, end: int) -> Found | None:
    words = _name_tokens(text[start:end])
    if not words:
        return None
    # Trim a trailing non-surname word ("Sarah Said") off the span.
    end = start + text[start:end].find(words[-1]) + len(words[-1])
    return Found(start, end, "NAME", " ".join(w.lower() for w in words))


def names(text: str) -> Iterator[Found]:
    """Names after a title or an introduction, and listed given names (with a surname)."""
    for pattern in (_TITLED, _INTRODUCED):
        for m in pattern.finditer(text):
            found = _name(text, m.start(1), m.end(1))
            if found:
                start = m.start() if pattern is _TITLED else found.start
                yield Found(start, found.end, "NAME", found.key)
    for m in _CAPITALISED.finditer(text):
        first, *rest = m.group(1).split()
        lowered = first.lower()
        surname = bool(rest) and rest[0].lower() not in _NOT_SURNAMES
        if lowered in AMBIGUOUS and not surname:
            continue
        if lowered in FIRST_NAMES or lowered in AMBIGUOUS:
            end = m.end(1) if surname else m.start() + len(first)
            found = _name(text, m.start(), end)
            if found:
                yield found


def listed(text: str, terms: Iterable[str], kind: str) -> Iterator[Found]:
    """Whole-word, case-insensitive mentions of configured terms (longest first)."""
    wanted = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    if not wanted:
        return
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(t) for t in wanted) + r")(?!\w)", re.IGNORECASE
    )
    for m in pattern.finditer(text):
        yield Found(m.start(), m.end(), kind, m.group().lower())
