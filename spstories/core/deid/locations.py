"""Where someone lives: postcode districts and sectors on their own, and street addresses.

Full postcodes ("LS6 2AB") have a fixed shape and are found in ``rules``. A district ("LS6",
"M14") or sector ("LS6 2") on its own looks like many other codes (vitamin B12, the M6, CO2,
S4 in a Scottish school), so it counts only when it starts with a real postcode area and the
words around it say it is a place:

- always after "postcode" or before "area", "district", "postcode" ("in the BD3 area");
- for two-letter areas (LS, BD, SW…) also after a preposition of place ("moved to LS6",
  "from NW3") or straight after a capitalised place name ("Leeds LS6", "Headingley, LS6");
- for one-letter areas (B, E, G, L, M, N, S, W) also after a verb of living ("lives in M14",
  "was rehoused in N1"), never after a bare "in" ("low in B12", "pupils in S4").

A list ("LS6, LS7 and LS8") is judged as one. Measure names (SWEMWBS, ONS4, EQ-5D, WHO-5,
PHQ-9), roads (A1, M62) and school years (Year 6, KS2) do not start with a postcode area or
lack the context, and are kept.

Street addresses are a house number (and flat) with capitalised words and a street type
("12 Acacia Avenue", "Flat 3, 14 Mill Lane"), or, without a number, a street name after a
preposition of place ("lives on Acacia Avenue"). "On the High Street" is kept: with "the"
it is nearly always the shops, not a home.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spstories.core.deid.found import Found

# Every UK postcode area (and the Crown Dependencies'), from the Royal Mail's list.
AREAS: frozenset[str] = frozenset(str.split("""
    AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT
    DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA
    LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE
    SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV
    YO ZE
"""))

# Codes that are a real district but far more often something else; kept unless the
# context is explicit ("postcode B12", "the CO2 area").
_USUALLY_NOT_PLACES = frozenset({"CO2", "SO2", "B1", "B2", "B3", "B5", "B6", "B7", "B9",
                                 "B12", "E10", "L1", "L2"})

# An outward code: area letters, a digit, then a digit or (London style) a letter.
_OUTWARD = r"(?:[A-Z]{1,2}\d(?:\d|[A-HJKMNP-Y])?)"
# A sector adds one digit, unless a count follows: "LS6 2 years ago" is no sector.
_COUNTED = (r"(?:and\s+a\s+half|years?|yrs|months?|weeks?|days?|nights?|hours?|times?|"
            r"miles?|minutes?|mins|people|clients|sessions?|visits?|children|kids|dogs|cats|"
            r"of|out|or\s+\d|to\s+\d|-\s*\d|more|other|others)\b")
_SECTOR = rf"(?:\s\d(?![\w%]|[.:/-]\d)(?!\s+{_COUNTED}))?"
_DISTRICT = rf"(?<![\w\-/]){_OUTWARD}{_SECTOR}(?![\w\-/])"
DISTRICTS = re.compile(rf"{_DISTRICT}(?:(?:\s*[,/&]\s*|\s+(?:and|or|to)\s+){_DISTRICT})*")
_ONE = re.compile(_DISTRICT)

_EXPLICIT_AFTER = re.compile(
    r"^\s*(?:areas?|districts?|postcodes?|post\s?codes?|postal\s+districts?|sectors?)\b",
    re.IGNORECASE,
)
_EXPLICIT_BEFORE = re.compile(
    r"\b(?:post\s?codes?|postal\s+districts?)(?:\s+(?:districts?|areas?|sectors?))?"
    r"(?:\s+(?:is|was|are|were|of|in))?\s*[:\-]?\s*$",
    re.IGNORECASE,
)
_PLACE_PREPOSITION = (r"(?:in|into|from|near|around|round|to|towards|across|within|outside|"
                      r"throughout|covering|between|off)")
_PREPOSITION_BEFORE = re.compile(rf"\b{_PLACE_PREPOSITION}\s+(?:the\s+)?$", re.IGNORECASE)
_LIVING_BEFORE = re.compile(
    r"\b(?:lives?|lived|living|moved|moving|moves|based|resident|residing|resides|housed|"
    r"rehoused|stays?|stayed|staying|grew\s+up|settled|relocated)"
    rf"(?:\s+(?:back|now|still|alone|locally))?\s+{_PLACE_PREPOSITION}\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_PLACE_NAME_BEFORE = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*,?\s+$")
_NOT_PLACE_AFTER = re.compile(
    r"^\s*(?:%|mg|mcg|µg|ug|motorway|road|junction|levels?|emissions?|supplements?|tablets?|"
    r"injections?|deficiency|vitamins?)\b",
    re.IGNORECASE,
)


def _area(code: str) -> str:
    return re.match(r"[A-Z]+", code).group()  # type: ignore[union-attr]


def _district_context(text: str, start: int, end: int, codes: list[str]) -> bool:
    """Whether the words around a run of codes say they are postcode districts."""
    before, after = text[max(0, start - 60):start], text[end:end + 40]
    if _EXPLICIT_AFTER.match(after) or _EXPLICIT_BEFORE.search(before):
        return True
    if _NOT_PLACE_AFTER.match(after) or any(c.split()[0] in _USUALLY_NOT_PLACES for c in codes):
        return False
    if _LIVING_BEFORE.search(before):
        return True
    if any(len(_area(c)) == 1 for c in codes):
        return False
    return bool(_PREPOSITION_BEFORE.search(before) or _PLACE_NAME_BEFORE.search(before))


def postcode_districts(text: str) -> Iterator[Found]:
    """Outward codes ("LS6") and sectors ("LS6 2") on their own, where context says so."""
    for run in DISTRICTS.finditer(text):
        parts = list(_ONE.finditer(text, run.start(), run.end()))
        if not all(_area(p.group()) in AREAS for p in parts):
            continue
        if _district_context(text, run.start(), run.end(), [p.group() for p in parts]):
            for p in parts:
                yield Found(p.start(), p.end(), "POSTCODE")


# Street types. With a house number any of them; without one only those that are nearly
# always a street (not "Park", "Green", "Court", "Way", "Gardens": parks, courts, venues).
_STREET_TYPES = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Drive|Crescent|Cres|Grove|Gardens|Gdns|"
    "Terrace|Tce|Mews|Place|Pl|Square|Sq|Court|Ct|Way|Row|Walk|Rise|Parade|Hill|Green|Park|"
    "View|Vale|Fold|Croft|Gate|Wynd|Boulevard|Mount|Bank|Brow|Garth|Chase|Heights|Yard|Wharf"
)
_STREET_ONLY_TYPES = "Street|Road|Avenue|Lane|Close|Drive|Crescent|Grove|Terrace|Mews"
_NAME_WORD = r"(?:[A-Z][a-z'’]+(?:-[A-Za-z][a-z'’]+)*|St\.?)"
_STREET_NAME = rf"{_NAME_WORD}(?:\s{_NAME_WORD}){{0,2}}"
_FLAT = r"(?:(?:Flat|Apartment|Apt\.?|Unit|Room)\s+\d{1,4}[A-Za-z]?,?\s+)"
NUMBERED_ADDRESS = re.compile(
    rf"(?<![\w/.,:-]){_FLAT}?\d{{1,4}}[A-Za-z]?,?\s+{_STREET_NAME}\s(?:{_STREET_TYPES})\b"
)
# Zero-width, so every capitalised word is tried ("In Harehills Lane" still finds the lane).
STREET = re.compile(rf"\b(?=({_STREET_NAME}\s(?:{_STREET_ONLY_TYPES})\b))")
_STREET_BEFORE = re.compile(
    r"\b(?:on|in|off|along|at|near|down|up|from|to|into|onto|opposite|behind|of)\s+$",
    re.IGNORECASE,
)


def street_addresses(text: str) -> Iterator[Found]:
    """House-numbered addresses, and street names where a preposition says they are a place."""
    for m in NUMBERED_ADDRESS.finditer(text):
        yield Found(m.start(), m.end(), "ADDRESS")
    for m in STREET.finditer(text):
        if _STREET_BEFORE.search(text[max(0, m.start() - 20):m.start()]):
            yield Found(m.start(1), m.end(1), "ADDRESS")
