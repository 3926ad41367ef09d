"""Password rules for accounts: long, not common, not the user name.

The list of common passwords ships in resources/passwords/common.txt (where it comes from
is written at its top). A shipped list, not a strength estimator: the rule a nurse is
told is the rule that is checked.
"""

from __future__ import annotations

from functools import cache

from desktop_app.paths import resource_path
from desktop_app.store.errors import InvalidValue

MIN_LENGTH = 12


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, case-folded."""
    text = resource_path("passwords", "common.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, user_name: str, full_name: str | None = None) -> str | None:
    """What is wrong with `password` for this account, in words; None when it is fine."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        return f"a password has at least {MIN_LENGTH} characters"
    folded = password.strip().casefold()
    if folded in common_passwords():
        return "this password is on the list of common passwords; choose another"
    names = {user_name.casefold()}
    if full_name:
        names |= {full_name.casefold(), full_name.replace(" ", "").casefold()}
    if folded in names:
        return "a password must not be the user name"
    return None


def check_password(password: str, *, user_name: str, full_name: str | None = None) -> None:
    """`InvalidValue` naming the problem when `password` breaks a rule."""
    problem = password_problem(password, user_name=user_name, full_name=full_name)
    if problem:
        raise InvalidValue(problem)
