"""What can be imported, as data: each kind's target fields, their types and header aliases.

docs/importing.md describes the same fields for people; tests check the two agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from spstories.core.measures import ADMINISTRATION_MODES, load_instruments, score
from spstories.core.vocabulary import (
    AgeBand,
    EthnicGroup,
    FeedbackChannel,
    FeedbackSource,
    Gender,
    ReferralSource,
    ReferralStatus,
)
from spstories.errors import MeasureValidationError


class FieldType(StrEnum):
    """How a cell is read."""

    TEXT = "text"
    DATE = "date"  # ISO (2024-03-01) or UK (01/03/2024)
    CHOICE = "choice"  # a value or label of a vocabulary, any case
    INTEGER = "integer"
    BOOLEAN = "boolean"  # yes/no, true/false, y/n, 1/0
    LIST = "list"  # separated by ';' or ','
    TIMEPOINT = "timepoint"  # baseline, review 1, review 2, ..., exit
    ANSWER = "answer"  # a measure item's answer: a whole number or blank


# A row check gets the parsed values of one valid-so-far row and returns (field, message)
# problems; it may add derived values (a measure's score) for the service to store.
RowCheck = Callable[[dict[str, Any]], list[tuple[str | None, str]]]


@dataclass(frozen=True)
class Field:
    """One target field of an import kind."""

    name: str
    label: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    synonyms: Mapping[str, str] = field(default_factory=dict)  # other spellings -> value
    default: Any = None
    aliases: tuple[str, ...] = ()  # header names that map to this field
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    example: str = ""
    hint: str = ""


@dataclass(frozen=True)
class ImportKind:
    """One kind of record that can be imported, one row per record."""

    name: str
    label: str
    fields: tuple[Field, ...]
    duplicate_key: tuple[str, ...]
    description: str
    check: RowCheck | None = None

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


def _vocab(enum: Any) -> tuple[tuple[str, str], ...]:
    return tuple(enum.choices())


CLIENT_REFERENCE_ALIASES = (
    "client reference", "client ref", "client id", "client", "client number", "client no",
    "reference", "ref", "nhs ref", "nhs reference", "case id", "case reference", "person id",
    "service user id", "patient id", "id",
)
_CLIENT_REFERENCE = Field(
    "client_reference", "Client reference", required=True, max_length=64,
    aliases=CLIENT_REFERENCE_ALIASES, example="SP-0001",
    hint="The pseudonymous reference of a client already in spstories (or imported first).",
)

CLIENTS = ImportKind(
    name="clients",
    label="Clients",
    description="One row per client: a pseudonymous reference and demographics.",
    duplicate_key=("reference",),
    fields=(
        Field("reference", "Client reference", required=True, max_length=64,
              aliases=CLIENT_REFERENCE_ALIASES, example="SP-0001",
              hint="Pseudonymous; never a name or NHS number."),
        Field("age_band", "Age band", FieldType.CHOICE, choices=_vocab(AgeBand),
              default=AgeBand.NOT_KNOWN.value, aliases=("age group", "age", "age range"),
              synonyms={"75 plus": "75+", "unknown": "not_known", "under 18s": "under_18"},
              example="45-54"),
        Field("gender", "Gender", FieldType.CHOICE, choices=_vocab(Gender),
              default=Gender.NOT_KNOWN.value, aliases=("sex", "gender identity"),
              synonyms={"f": "female", "m": "male", "woman": "female", "man": "male",
                        "unknown": "not_known", "prefer not to say": "not_known"},
              example="Female"),
        Field("ethnic_group", "Ethnic group", FieldType.CHOICE, choices=_vocab(EthnicGroup),
              default=EthnicGroup.NOT_STATED.value, aliases=("ethnicity", "ethnic origin"),
              synonyms={"prefer not to say": "not_stated", "unknown": "not_stated",
                        "not known": "not_stated"},
              example="White"),
        Field("area", "Area", max_length=8,
              aliases=("postcode district", "postcode area", "outward code", "postcode"),
              example="LS6", hint="Postcode district (e.g. LS6), never a full postcode."),
        Field("imd_decile", "IMD decile", FieldType.INTEGER, minimum=1, maximum=10,
              aliases=("imd", "deprivation decile", "index of multiple deprivation decile"),
              example="3"),
    ),
)


def _check_referral(values: dict[str, Any]) -> list[tuple[str | None, str]]:
    """Later dates of a referral cannot come before the referral itself."""
    problems: list[tuple[str | None, str]] = []
    referred = values.get("referred_on")
    for name, what in (("first_contact_on", "first contact"), ("closed_on", "closing")):
        later = values.get(name)
        if referred and later and later < referred:
            problems.append((name, f"the {what} date {later:%d/%m/%Y} is before the referral "
                                   f"date {referred:%d/%m/%Y}"))
    return problems


REFERRALS = ImportKind(
    name="referrals",
    label="Referrals",
    description="One row per referral of a client to the service.",
    duplicate_key=("client_reference", "referred_on", "source"),
    check=_check_referral,
    fields=(
        _CLIENT_REFERENCE,
        Field("referred_on", "Referral date", FieldType.DATE, required=True,
              aliases=("date referred", "date of referral", "referred", "referral received",
                       "date"), example="2024-03-01"),
        Field("source", "Referral source", FieldType.CHOICE, required=True,
              choices=_vocab(ReferralSource),
              aliases=("source", "referred by", "referrer type", "referral route", "referrer"),
              synonyms={"gp practice": "gp", "general practice": "gp", "self referral": "self",
                        "voluntary sector": "vcse", "vcs": "vcse"},
              example="GP"),
        Field("service", "Service", max_length=120, aliases=("service name", "programme"),
              example="Community connector"),
        Field("needs", "Needs", FieldType.LIST,
              aliases=("presenting needs", "needs identified", "referral needs", "need"),
              example="loneliness; finances",
              hint="Stored lower-case, with '_' for spaces (physical_activity)."),
        Field("reasons", "Reasons for referral", max_length=10_000,
              aliases=("reason", "reasons", "referral reason", "reason for referral"),
              example="Recently bereaved, lives alone"),
        Field("status", "Status", FieldType.CHOICE, choices=_vocab(ReferralStatus),
              default=ReferralStatus.OFFERED.value,
              aliases=("referral status", "outcome", "referral outcome"),
              synonyms={"open": "accepted", "closed": "completed", "discharged": "completed",
                        "rejected": "declined"}, example="accepted"),
        Field("first_contact_on", "First contact date", FieldType.DATE,
              aliases=("first contact", "date of first contact", "first appointment"),
              example="2024-03-08"),
        Field("closed_on", "Closed date", FieldType.DATE,
              aliases=("closed", "date closed", "discharge date", "end date"), example=""),
    ),
)


def _instrument_choices() -> tuple[tuple[str, str], ...]:
    return tuple((i.id, i.short_name) for i in load_instruments().values())


def _named_items() -> dict[int, tuple[str, ...]]:
    """Named items (ONS4's 'anxiety', MyCaW's 'concern 1') as aliases of their position."""
    named: dict[int, list[str]] = {}
    for instrument in load_instruments().values():
        for position, item in enumerate(instrument.items, start=1):
            if not item.id.startswith("q"):
                named.setdefault(position, []).append(item.id)
    return {k: tuple(dict.fromkeys(v)) for k, v in named.items()}


MAX_ITEMS = max(len(i.items) for i in load_instruments().values())
_ITEM_ALIASES = _named_items()
_EXAMPLE_ANSWERS = ("3", "4", "3", "2", "4", "3", "3")  # a SWEMWBS response, as in the example


def _check_measure(values: dict[str, Any]) -> list[tuple[str | None, str]]:
    """Score the answers as the instrument's owner publishes; adds ``score`` to ``values``.

    Item columns are positional: item_1 is the instrument's first item, and so on.
    """
    instrument = load_instruments().get(values.get("instrument") or "")
    if instrument is None:
        return []  # the instrument cell already has its own error
    problems: list[tuple[str | None, str]] = []
    count = len(instrument.items)
    for n in range(count + 1, MAX_ITEMS + 1):
        if values.get(f"item_{n}") is not None:
            problems.append((f"item_{n}", f"{instrument.short_name} has {count} items; "
                                          "this column must be empty"))
    timepoint = values.get("timepoint")
    if timepoint is not None and timepoint.kind not in instrument.timepoints:
        problems.append(("timepoint", f"{instrument.short_name} is not used at {timepoint}"))
    answers = {item.id: values.get(f"item_{n}")
               for n, item in enumerate(instrument.items, start=1)}
    try:
        values["score"] = score(instrument, answers)
    except MeasureValidationError as exc:
        column = {item.id: f"item_{n}" for n, item in enumerate(instrument.items, start=1)}
        problems.extend((column.get(item or ""), message) for item, message in exc.problems)
    return problems


MEASURES = ImportKind(
    name="measures",
    label="Outcome measures",
    description=(
        "One row per completed questionnaire: the client, the instrument, when, and the "
        "answers in item order (item_1, item_2, ...)."
    ),
    duplicate_key=("client_reference", "instrument", "timepoint", "administered_on"),
    check=_check_measure,
    fields=(
        _CLIENT_REFERENCE,
        Field("instrument", "Instrument", FieldType.CHOICE, required=True,
              choices=_instrument_choices(),
              aliases=("measure", "questionnaire", "tool", "scale", "outcome measure"),
              example="swemwbs"),
        Field("timepoint", "Timepoint", FieldType.TIMEPOINT, required=True,
              aliases=("time point", "stage", "wave", "assessment", "review"),
              example="baseline"),
        Field("administered_on", "Date completed", FieldType.DATE, required=True,
              aliases=("date", "completed on", "date completed", "administered on",
                       "measure date", "assessment date"), example="2024-03-08"),
        Field("administration_mode", "Mode", FieldType.CHOICE,
              choices=tuple((m, m.replace("_", " ").capitalize()) for m in ADMINISTRATION_MODES),
              default=ADMINISTRATION_MODES[0],
              aliases=("administration mode", "how completed", "completed by", "method"),
              synonyms={"self": "self_completed", "self completion": "self_completed",
                        "telephone": "phone", "by phone": "phone"},
              example="self_completed"),
        Field("modified", "Modified", FieldType.BOOLEAN, default=False,
              aliases=("modified administration", "adapted"), example="no",
              hint="yes when the wording or answer scale was changed."),
        Field("modification_note", "Modification note", max_length=2_000,
              aliases=("modification", "how modified"), example=""),
        *(
            Field(f"item_{n}", f"Item {n}", FieldType.ANSWER,
                  aliases=(f"item {n}", f"q{n}", f"question {n}", *_ITEM_ALIASES.get(n, ())),
                  example=_EXAMPLE_ANSWERS[n - 1] if n <= len(_EXAMPLE_ANSWERS) else "")
            for n in range(1, MAX_ITEMS + 1)
        ),
    ),
)


FEEDBACK = ImportKind(
    name="feedback",
    label="Feedback",
    description="One row per piece of feedback, optionally about one client.",
    duplicate_key=("client_reference", "received_on", "text"),
    fields=(
        Field("client_reference", "Client reference", max_length=64,
              aliases=CLIENT_REFERENCE_ALIASES, example="SP-0001",
              hint="Optional; when given, the client must exist."),
        Field("received_on", "Date received", FieldType.DATE, required=True,
              aliases=("date", "received", "date of feedback", "feedback date"),
              example="2024-05-20"),
        Field("source", "From", FieldType.CHOICE, required=True, choices=_vocab(FeedbackSource),
              aliases=("source", "feedback from", "respondent", "given by"),
              synonyms={"gp": "referrer", "family": "family_carer", "carer": "family_carer",
                        "partner": "partner_organisation"}, example="client"),
        Field("channel", "Channel", FieldType.CHOICE, required=True,
              choices=_vocab(FeedbackChannel),
              aliases=("how received", "method", "feedback channel"),
              synonyms={"phone": "follow_up_call", "call": "follow_up_call",
                        "face to face": "in_person", "questionnaire": "survey"},
              example="survey"),
        Field("formal", "Formal", FieldType.BOOLEAN, default=False,
              aliases=("formal feedback", "is formal"), example="no",
              hint="yes for formal feedback such as a compliment or complaint letter."),
        Field("text", "Feedback", required=True, max_length=20_000,
              aliases=("feedback text", "comment", "comments", "what they said", "quote"),
              example="The group got me out of the house again."),
    ),
)

KINDS: Mapping[str, ImportKind] = MappingProxyType(
    {kind.name: kind for kind in (CLIENTS, REFERRALS, MEASURES, FEEDBACK)}
)


def get_kind(name: str) -> ImportKind:
    """The import kind called ``name``; KeyError names the known kinds."""
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"unknown import kind {name!r} (known: {', '.join(KINDS)})") from None
