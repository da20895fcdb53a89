"""The password policy, as NCSC and NHS guidance describe it: length, not a common
password, nothing the account already gives away. No composition rules (they push people
to predictable passwords) and no forced expiry.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

MIN_LENGTH = 10
MAX_LENGTH = 200  # hashing a megabyte of "password" is a denial of service, not a password
_COMMON = Path(__file__).parent / "data" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """Common passwords of ``MIN_LENGTH`` or more characters, lower-cased."""
    lines = _COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """What is wrong with ``password`` for this account, in words; empty when it is fine."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"The password must be at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"The password must be at most {MAX_LENGTH} characters.")
    if password.lower() in common_passwords() or len(set(password)) < 4:
        problems.append("This password is too common or easy to guess; choose another.")
    squashed = _letters(password)
    local = email.split("@", 1)[0]
    # The email's local part, its pieces (jane.smith: jane, smith) and the whole name.
    pieces = [local, *re.split(r"[._+-]", local), name]
    personal = [p for p in map(_letters, pieces) if len(p) >= 4]
    if any(p in squashed for p in personal):
        problems.append("The password must not contain your email address or name.")
    return problems
