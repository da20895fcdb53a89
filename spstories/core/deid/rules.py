"""Rules that find identifiers in free text: each yields ``Found`` spans, never replaces.

Identifiers with a fixed shape (email, NHS and National Insurance numbers, phone, postcode,
date) are regular expressions; NHS numbers must also pass the modulus-11 check, so an
arbitrary 10-digit reference is not mistaken for one (unless the text says it is an NHS
number). Dates of birth, birth years and ages over 89 need the words around them. Postcode
districts and street addresses are in ``locations``. Names come from titles, introductions
("my name is …") and a list of given names; places and organisations from lists the service
configures.

``SHAPED`` is the list of fixed-shape detectors; add a detector there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from spstories.core.deid.found import PRIORITY, Found
from spstories.core.deid.locations import postcode_districts, street_addresses
from spstories.core.deid.names import AMBIGUOUS, FIRST_NAMES, TITLES

__all__ = ["PRIORITY", "SHAPED", "Found", "listed", "mentions", "names", "nhs_number_is_valid",
           "shaped"]

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
# A date of birth written as a year only ("born in 1951", "DOB: 1951"); full dates of birth
# are dates and found by DATE.
BIRTH_YEAR = re.compile(
    r"(?i:\b(?:born|b\.|dob|d\.o\.b\.?|date\s+of\s+birth|year\s+of\s+birth|yob))"
    r"\s*(?:[:\-]\s*)?(?:(?:in|on|was|is)\s+)?(?:(?i:the\s+year)\s+)?((?:18|19|20)\d{2})\b(?!s)"
)
# National Insurance numbers: two prefix letters, six digits in pairs, a suffix A-D:
# "JG 10 37 58 B", "AB123456C". Counted when the prefix is one HMRC can issue (never D, F,
# I, Q, U, V; O not second; not BG, GB, KN, NK, NT, TN, ZZ) and the suffix is there, or
# when the text says it is one (then a typo or a made-up prefix still counts).
NINO = re.compile(
    r"(?<![\w-])([A-Z]{2})(?:( ?)\d{2}\2\d{2}\2\d{2}\2?([A-D])?|-\d{2}-\d{2}-\d{2}-?([A-D])?)"
    r"(?![\w-])"
)
_NINO_PREFIX = re.compile(r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]")
_NINO_LABEL = re.compile(
    r"(?i:\b(?:national\s+insurance|NI|NINO)(?:\s+(?:number|no\.?|num))?)\s*(?:is|was|:)?\s*$"
)
_NHS_LABEL = re.compile(
    r"(?i:\bNHS(?:\s+(?:number|no\.?|num|#))?)\s*(?:is|was|:)?\s*$"
)
# Ages over 89, which UK practice publishes only as "90 or over". Numbers need words that
# make them an age: "aged 94", "she's 92", "94 years old", "a 91-year-old", "her 100th
# birthday"; a bare "92" may be a score.
_OVER_89 = (r"(?:9\d|1[01]\d|120|(?i:ninety(?:[- ](?:one|two|three|four|five|six|seven|"
            r"eight|nine))?|(?:a|one)\s+hundred(?:\s+and\s+(?:one|two|three|four|five))?))")
_NOT_AGE_AFTER = (r"(?!\s*(?:%|per\s*cent|percent|degrees|°|points?|minutes?|mins|"
                  r"hours?|pounds?|kg|p\b|pence|miles?|metres?|steps?|times?))")
AGE_AFTER_WORD = re.compile(
    r"(?i:\b(?:aged|age|age:|ages|at\s+the\s+age\s+of|turned|turning|turns|"
    r"(?:I|he|she|they|who)(?:'|’)(?:m|s|re)|I\s+am|(?:he|she|who)\s+is|they\s+are))"
    rf"\s+({_OVER_89})\b{_NOT_AGE_AFTER}"
)
AGE_YEARS_OLD = re.compile(
    rf"\b{_OVER_89}(?:[- ]years?[- ]old|\s*(?:yrs?|years?)\.?\s+old|\s+years\s+of\s+age|"
    r"\s*y/?o\b|-year-old)"
)
AGE_BIRTHDAY = re.compile(
    r"\b(?:9\d|1[01]\d|120)(?:st|nd|rd|th)(?=\s+birthday)|"
    r"(?i:\bninet(?:ieth|y-(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth))"
    r"|\bhundredth)(?=\s+birthday)"
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


# Capitalised words a title rule can take for a name ("Nurse Practitioner Team", "Lady
# Chapel") that must not then be removed wherever they appear. Not surnames that are also
# words (Hall, Park, Ward): a later "Hall" is more likely the person than a hall.
_NOT_NAMES = frozenset(str.split("""
    team group centre center practice service services surgery practitioner worker workers
    health council chapel club school college hospital clinic trust board unit community
    support care advice project network
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


def emails(text: str) -> Iterator[Found]:
    for m in EMAIL.finditer(text):
        yield Found(m.start(), m.end(), "EMAIL")


def nhs_numbers(text: str) -> Iterator[Found]:
    """Valid NHS numbers, and any 10 digits the text calls an NHS number (a typo is still one)."""
    for m in NHS.finditer(text):
        labelled = _NHS_LABEL.search(text[max(0, m.start() - 25):m.start()])
        if labelled or nhs_number_is_valid("".join(m.groups())):
            yield Found(m.start(), m.end(), "NHS NUMBER")


def ni_numbers(text: str) -> Iterator[Found]:
    """National Insurance numbers: with the suffix letter, or without it where labelled."""
    for m in NINO.finditer(text):
        issued = _NINO_PREFIX.fullmatch(m.group(1)) and (m.group(3) or m.group(4))
        if issued or _NINO_LABEL.search(text[max(0, m.start() - 30):m.start()]):
            yield Found(m.start(), m.end(), "NI NUMBER")


def phones(text: str) -> Iterator[Found]:
    for m in PHONE.finditer(text):
        # "(07700 900123)": the bracket belongs to the sentence, not to an area code.
        start = m.start() + 1 if m.group().startswith("(") and ")" not in m.group() else m.start()
        yield Found(start, m.end(), "PHONE")


def postcodes(text: str) -> Iterator[Found]:
    for m in POSTCODE.finditer(text):
        yield Found(m.start(), m.end(), "POSTCODE")


def dates(text: str) -> Iterator[Found]:
    """Dates (of birth or anything else), and birth years on their own."""
    for m in DATE.finditer(text):
        yield Found(m.start(), m.end(), "DATE")
    for m in BIRTH_YEAR.finditer(text):
        yield Found(m.start(1), m.end(1), "DATE")


def ages_over_89(text: str) -> Iterator[Found]:
    """Exact ages of 90 and over ("aged 94", "a 91-year-old"), to become ``[AGE 90+]``."""
    for m in AGE_AFTER_WORD.finditer(text):
        yield Found(m.start(1), m.end(1), "AGE")
    for pattern in (AGE_YEARS_OLD, AGE_BIRTHDAY):
        for m in pattern.finditer(text):
            yield Found(m.start(), m.end(), "AGE")


# The fixed-shape detectors, in no particular order (PRIORITY settles overlaps).
SHAPED: tuple[Callable[[str], Iterable[Found]], ...] = (
    emails, nhs_numbers, ni_numbers, phones, postcodes, postcode_districts, dates,
    ages_over_89, street_addresses,
)


def shaped(text: str) -> Iterator[Found]:
    """Every identifier with a fixed shape: run each detector of ``SHAPED``."""
    for detect in SHAPED:
        yield from detect(text)


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


def mentions(text: str, tokens: Iterable[str]) -> Iterator[Found]:
    """Capitalised mentions of words of names already found ("Mrs Edna Barraclough", later
    "Edna"), so a name not in the given-name list is still caught after its first mention.
    Names that are also everyday words ("Will", "Hope") are left to the name rule."""
    wanted = sorted({t for t in tokens if len(t) > 1 and t not in AMBIGUOUS | _NOT_NAMES},
                    key=len, reverse=True)
    if not wanted:
        return
    pattern = re.compile(r"(?<![\w'’-])(" + "|".join(map(re.escape, wanted)) + r")(?![\w-])",
                         re.IGNORECASE)
    for m in pattern.finditer(text):
        if m.group()[0].isupper():
            yield Found(m.start(), m.end(), "NAME", m.group().lower())


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
