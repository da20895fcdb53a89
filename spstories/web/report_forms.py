"""Forms for the report builder and the evidence search."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from spstories.core.reports.consent import AUDIENCES
from spstories.services.report_content import SECTIONS
from spstories.web.forms import options


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReportForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the report a title."),
                                             Length(max=200)])
    audience = SelectField(
        "Who the report is for", choices=options((a.value, a.label) for a in AUDIENCES),
        default=AUDIENCES[1].value,
        description="Decides which quotes and case studies consent allows.")
    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])
    organisations = Checkboxes("Organisations", coerce=int,
                               validators=[DataRequired("Choose at least one organisation.")])
    outcomes = Checkboxes("Outcomes to feature", description="None chosen: all outcomes.")
    sections = Checkboxes("Figures to include", choices=options(SECTIONS),
                          default=[s for s, _ in SECTIONS])
    confirmed_only = BooleanField(
        "Count confirmed tags only",
        description="Outcome counts and the joint display use only tags a person made or "
                    "accepted in review, not machine suggestions.")
    quotes = Checkboxes("Quotes (your starred quotes and those already in the report)",
                        coerce=int)
    case_studies = Checkboxes("Case studies (approved)", coerce=int)
    extra_terms = TextAreaField(
        "Places and organisations to remove", validators=[Length(max=4000)],
        description="One per line, e.g. villages, community centres, activity groups.")
    background = TextAreaField("Background (Markdown)", validators=[Length(max=20000)],
                               description="Your introduction: the service, the period, context.")


class EvidenceSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    code = SelectField("Outcome", validators=[Optional()])
    polarity = SelectField("Direction", choices=options([
        ("", "Any"), ("improved", "Improved"), ("worsened", "Worsened"),
        ("unchanged", "Unchanged")]), validators=[Optional()])
    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])
    organisation_id = SelectField("Organisation", validators=[Optional()])
    text = StringField("Words", validators=[Optional(), Length(max=200)])
    audience = SelectField("Use in", choices=options((a.value, a.label) for a in AUDIENCES),
                           default=AUDIENCES[1].value, validators=[Optional()])
    starred = SelectField("Show", choices=options([("", "All quotes"), ("1", "Starred only")]),
                          validators=[Optional()])
