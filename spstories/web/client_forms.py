"""Forms for clients and outcome-measure responses.

The services validate; these forms only parse what was typed and keep it for
redisplay, so every rule and message lives in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from spstories.core.measures import ADMINISTRATION_MODES, Instrument
from spstories.core.vocabulary import (
    AgeBand,
    EthnicGroup,
    Gender,
    PresentingNeed,
    ReferralSource,
    ReferralStatus,
)
from spstories.services.clients import ClientInput, ReferralInput
from spstories.services.measures import MODE_LABELS
from spstories.web.case_study_forms import MultiCheckboxField

TIMEPOINT_LABELS = {
    "baseline": "Baseline (first time)",
    "review": "Review",
    "exit": "Exit (at the end of support)",
}
DATE_HINT = "For example 2026-03-14."


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """(value, label) pairs as the choices WTForms takes."""
    return [SelectChoice(value, label) for value, label in pairs]


class WholeNumberField(IntegerField):
    """An integer input whose parse error says what to type."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and str(valuelist[0]).strip():
            try:
                self.data = int(valuelist[0])
            except ValueError as exc:
                self.data = None
                raise ValueError("Enter a whole number, e.g. 3.") from exc


class ClientForm(FlaskForm):
    """A new client with their first referral."""

    organisation_id = SelectField("Organisation", coerce=int)
    reference = StringField(
        "Client reference",
        render_kw={"maxlength": 64, "autocomplete": "off"},
        description="A pseudonymous reference such as N-0042, never the client's name.",
    )
    age_band = SelectField(
        "Age band", choices=options(AgeBand.choices()), default=AgeBand.NOT_KNOWN.value
    )
    gender = SelectField(
        "Gender", choices=options(Gender.choices()), default=Gender.NOT_KNOWN.value
    )
    ethnic_group = SelectField(
        "Ethnic group", choices=options(EthnicGroup.choices()), default=EthnicGroup.NOT_STATED.value
    )
    area = StringField(
        "Area (postcode district)",
        render_kw={"maxlength": 8},
        description="The first half of the postcode only, e.g. M14 or SW1A.",
    )
    imd_decile = WholeNumberField(
        "IMD decile (optional)",
        validators=[Optional()],
        render_kw={"min": 1, "max": 10, "step": 1, "inputmode": "numeric"},
        description="Index of Multiple Deprivation: 1 is the most deprived tenth of areas, "
        "10 the least.",
    )
    referred_on = DateField(
        "Date referred", default=date.today, validators=[Optional()], description=DATE_HINT
    )
    source = SelectField(
        "Referred by", choices=options(ReferralSource.choices()), default=ReferralSource.GP.value
    )
    service = StringField("Service referred to (optional)", render_kw={"maxlength": 120})
    needs = MultiCheckboxField("Presenting needs", choices=options(PresentingNeed.choices()))
    reasons = TextAreaField("Reason for referral, in brief (optional)")
    status = SelectField(
        "Referral status",
        choices=options(ReferralStatus.choices()),
        default=ReferralStatus.OFFERED.value,
    )
    first_contact_on = DateField(
        "Date of first contact (optional)", validators=[Optional()], description=DATE_HINT
    )

    def client_input(self) -> ClientInput:
        return ClientInput(
            organisation_id=self.organisation_id.data or 0,
            reference=self.reference.data or "",
            age_band=self.age_band.data or "",
            gender=self.gender.data or "",
            ethnic_group=self.ethnic_group.data or "",
            area=self.area.data or "",
            imd_decile=self.imd_decile.data,
        )

    def referral_input(self) -> ReferralInput:
        return ReferralInput(
            referred_on=self.referred_on.data,
            source=self.source.data or "",
            status=self.status.data or "",
            service=self.service.data or "",
            needs=list(self.needs.data or []),
            reasons=self.reasons.data or "",
            first_contact_on=self.first_contact_on.data,
        )


class MeasureForm(FlaskForm):
    """When and how a measure was administered; the items are read separately."""

    # validate_choice off: the service refuses a missing or unknown choice, in words.
    timepoint = RadioField("Timepoint", validate_choice=False)
    review_number = WholeNumberField(
        "Review number",
        validators=[Optional()],
        render_kw={"min": 1, "step": 1, "inputmode": "numeric"},
        description="For a review only: 1 for the first review, 2 for the second.",
    )
    administered_on = DateField(
        "Date completed", default=date.today, validators=[Optional()], description=DATE_HINT
    )
    administration_mode = RadioField(
        "How it was administered",
        validate_choice=False,
        default=ADMINISTRATION_MODES[0],
        choices=options((mode, MODE_LABELS.get(mode, mode)) for mode in ADMINISTRATION_MODES),
    )
    modified = BooleanField(
        "The administration was modified (changed wording, or a different "
        "answer scale such as 0-10 instead of 1-5)"
    )
    modification_note = TextAreaField(
        "How it was modified",
        description="Required when modified. Modified responses are kept apart from standard "
        "ones and left out of statistics by default.",
    )

    def set_instrument(self, instrument: Instrument) -> None:
        self.timepoint.choices = options(
            (t, TIMEPOINT_LABELS.get(t, t.capitalize())) for t in instrument.timepoints
        )

    def details(self) -> dict[str, Any]:
        """Keyword arguments for ``record_response`` / ``check_response``."""
        timepoint = self.timepoint.data or ""
        return {
            "timepoint": timepoint,
            # A number typed for a baseline or exit is ignored, not an error.
            "review_number": self.review_number.data if timepoint == "review" else None,
            "administered_on": self.administered_on.data,
            "administration_mode": self.administration_mode.data or "",
            "modified": bool(self.modified.data),
            "modification_note": self.modification_note.data or "",
        }


def read_answers(
    instrument: Instrument, form: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, object]]:
    """What was typed per item (for redisplay) and the answers to validate.

    Blank is None; a whole number is an int; anything else is passed on as typed so the
    core refuses it with a message naming the item.
    """
    typed = {item.id: form.get(f"item-{item.id}", "").strip() for item in instrument.items}
    answers: dict[str, object] = {}
    for item_id, raw in typed.items():
        try:
            answers[item_id] = int(raw) if raw else None
        except ValueError:
            answers[item_id] = raw
    return typed, answers


def show_errors(form: FlaskForm, errors: Mapping[str, str]) -> None:
    """Put service errors beside their fields, unless the field already has one."""
    for name, message in errors.items():
        field = form._fields.get(name)
        if field is None:
            form.form_errors.append(message)
        elif not field.errors:
            field.errors = [*list(field.errors), message]


def has_errors(form: FlaskForm) -> bool:
    return bool(form.form_errors) or any(field.errors for field in form)
