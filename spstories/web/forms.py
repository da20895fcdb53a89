"""Flask-WTF forms (CSRF on every one), with messages in users' words."""

from __future__ import annotations

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
from wtforms.validators import DataRequired, Email, Length, Optional

from spstories.core.vocabulary import Role
from spstories.services.accounts import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    submit = SubmitField("Log in")


class UserForm(FlaskForm):
    """Create a user, or edit one (then the email is fixed and the password optional)."""

    email = EmailField("Email", validators=[DataRequired("Enter an email address."),
                                            Email("Enter a valid email address.")])
    name = StringField("Full name", validators=[DataRequired("Enter the person's name."),
                                                Length(max=200)])
    role = SelectField("Role", choices=Role.choices())
    organisations = SelectMultipleField(
        "Organisations", coerce=int,
        validators=[DataRequired("Choose at least one organisation.")],
    )
    password = PasswordField(
        "Temporary password",
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH,
                                       message=f"At least {MIN_PASSWORD_LENGTH} characters.")],
        description="The person should change it at first login. Leave empty to keep it.",
    )
    active = BooleanField("Account active", default=True)
    submit = SubmitField("Save")
