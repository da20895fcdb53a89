"""The case study form, shaped like a real social prescribing case study."""

from __future__ import annotations

import uuid
from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from spstories.core.vocabulary import ConsentLevel, ConsentMethod, PresentingNeed, ReferralSource
from spstories.services.case_studies import CaseStudyInput
from spstories.web.forms import options


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActivityForm(Form):
    provider = StringField("Organisation or service", validators=[Length(max=200)])
    activity = StringField("Activity", validators=[Length(max=200)])
    started_on = DateField("Date started", validators=[Optional()])


class CaseStudyForm(FlaskForm):
    organisation_id = SelectField("Organisation", coerce=int)
    draft_key = HiddenField(default=lambda: uuid.uuid4().hex)
    client_reference = StringField(
        "Client reference",
        validators=[Length(max=64)],
        description="The pseudonymous reference, never the client's name.",
    )
    title = StringField(
        "Title",
        validators=[Length(max=200)],
        description="A short title, e.g. 'Finding a reason to get up'.",
    )
    referral_source = SelectField(
        "Referral source",
        choices=options([("", "As on the client's referral"), *ReferralSource.choices()]),
        default="",
        validate_choice=False,  # the service checks it, and an old draft may have none
    )
    referral_route = StringField(
        "Referral route",
        validators=[Length(max=500)],
        description="How the client came to the service, e.g. 'GP practice, after a health check'.",
    )
    presenting_needs = MultiCheckboxField(
        "Presenting needs", choices=options(PresentingNeed.choices())
    )
    needs_notes = TextAreaField("Other needs, in your words")
    what_matters = TextAreaField("What matters to me", description="In the client's words.")
    support_given = TextAreaField("Support given")
    activities = FieldList(FormField(ActivityForm), min_entries=3, max_entries=12)
    narrative = TextAreaField(
        "The story",
        description="Markdown: **bold**, *italic*, lists with '- '. "
        "Use the client's reference or a first name only.",
    )
    outcomes_in_own_words = TextAreaField("Outcomes, in your words")
    client_quote = TextAreaField("A quote from the client")
    consent_level = SelectField(
        "Consent to use this case study",
        choices=options(ConsentLevel.choices()),
        default=ConsentLevel.NONE.value,
    )
    consent_given_on = DateField("Date consent was given", validators=[Optional()])
    consent_method = SelectField(
        "How consent was given",
        choices=options([("", "Choose…"), *ConsentMethod.choices()]),
        default="",
    )

    def to_input(self) -> CaseStudyInput:
        return CaseStudyInput(
            organisation_id=self.organisation_id.data or 0,
            title=self.title.data or "",
            client_reference=self.client_reference.data or "",
            referral_source=self.referral_source.data or "",
            referral_route=self.referral_route.data or "",
            presenting_needs=list(self.presenting_needs.data or []),
            needs_notes=self.needs_notes.data or "",
            what_matters=self.what_matters.data or "",
            support_given=self.support_given.data or "",
            activities=[
                (a.provider.data or "", a.activity.data or "", a.started_on.data)
                for a in self.activities
            ],
            narrative=self.narrative.data or "",
            outcomes_in_own_words=self.outcomes_in_own_words.data or "",
            client_quote=self.client_quote.data or "",
            consent_level=self.consent_level.data or ConsentLevel.NONE.value,
            consent_given_on=self.consent_given_on.data,
            consent_method=self.consent_method.data or None,
            draft_key=(self.draft_key.data or "")[:36],
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        """Put service errors beside the fields they concern."""
        for name, message in errors.items():
            if name.startswith("activities-"):
                self.activities[int(name.split("-")[1])].provider.errors = [message]
            elif name in self._fields:
                field = self._fields[name]
                field.errors = [*list(field.errors), message]
            else:
                self.form_errors.append(message)


def activity_rows(activities: list[tuple[str, str, date | None]]) -> list[dict[str, object]]:
    return [{"provider": p, "activity": a, "started_on": d} for p, a, d in activities]
