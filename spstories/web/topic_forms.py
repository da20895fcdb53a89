"""Forms of the topics pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, NumberRange, Optional

from spstories.core.tags import Polarity
from spstories.web.forms import options


class TopicRunForm(FlaskForm):
    organisation = SelectField("Organisation", coerce=int)
    kinds = SelectMultipleField(
        "Documents", choices=options([("case_study", "Case studies"), ("feedback", "Feedback")]),
        default=["case_study", "feedback"], validators=[DataRequired("Choose a kind.")])
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])
    level = SelectField("Unit",
                        choices=options([("sentence", "Sentences"), ("passage", "Passages")]))
    codebook = SelectField("Codebook", coerce=int,
                           description="Its tags give each topic's overlap with codes.")
    residual = BooleanField("Only text the codebook did not tag (residual)", default=True)
    n_topics = IntegerField("Number of topics", validators=[Optional(), NumberRange(2, 200)],
                            description="Leave empty to let HDBSCAN find them (with outliers).")
    min_topic_size = IntegerField("Minimum topic size", default=10,
                                  validators=[DataRequired(), NumberRange(2, 10_000)])
    seed = IntegerField("Seed", default=42, validators=[NumberRange(0, 2**31 - 1)],
                        description="The same seed and documents give the same topics.")


class PromoteForm(FlaskForm):
    label = StringField("Code label", validators=[DataRequired("Give the code a label.")])
    definition = TextAreaField("Definition", validators=[DataRequired("Write a definition.")],
                               description="What counts as this code; edit the draft.")
    polarity = SelectField(
        "Polarity of the example sentences",
        choices=options((p.value, p.value) for p in Polarity),
        description="Only used when the codebook records a direction of change.")
