"""Flask-WTF forms (CSRF on every one), with messages in users' words."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from spstories.core.vocabulary import Role
from spstories.services.accounts import MIN_PASSWORD_LENGTH, is_email


def options(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]  # type: ignore[arg-type]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    submit = SubmitField("Log in")


class UserForm(FlaskForm):
    """Create a user, or edit one (then the email is fixed and the password optional)."""

    email = EmailField(
        "Email", validators=[DataRequired("Enter an email address."), Length(max=254)]
    )
    name = StringField(
        "Full name", validators=[DataRequired("Enter the person's name."), Length(max=200)]
    )
    role = SelectField("Role", choices=options(Role.choices()))
    organisations = SelectMultipleField(
        "Organisations",
        coerce=int,
        validators=[DataRequired("Choose at least one organisation.")],
    )
    password = PasswordField(
        "Temporary password",
        validators=[
            Optional(),
            Length(min=MIN_PASSWORD_LENGTH, message=f"At least {MIN_PASSWORD_LENGTH} characters."),
        ],
        description="The person should change it at first login. Leave empty to keep it.",
    )
    active = BooleanField("Account active", default=True)
    submit = SubmitField("Save")

    def validate_email(self, field: EmailField) -> None:
        if field.data and not is_email(field.data):
            raise ValidationError("Enter a valid email address.")
