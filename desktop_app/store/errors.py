"""What can go wrong with the record, each as its own class.

Messages name the problem and the record ID, never a patient identifier (MRN, name,
birth date): an exception text can end up in a log file or on a screenshot.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every error the store raises on purpose."""


class DatabaseMissing(StoreError):
    """The data folder has no database yet (for commands that must not create one)."""


class SchemaTooNew(StoreError):
    """The database was written by a newer NeuroCheck; this version must not touch it."""


class DatabaseProblem(StoreError):
    """The start-up check found damage or a broken audit chain. Nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"the database failed its check:\n{lines}")


class ServerUnreachable(DatabaseProblem):
    """The record's database server did not answer (or refused the connection): nothing
    was read or written."""

    def __init__(self, reason: str) -> None:
        self.problems = [f"the database server cannot be reached: {reason}"]
        StoreError.__init__(self, self.problems[0])


class NotFound(StoreError):
    """A record asked for by ID (or name) does not exist."""


class Conflict(StoreError):
    """The change contradicts what is already recorded (e.g. a second, different exam at
    the same time in the same episode)."""


class ImportRefused(StoreError):
    """An import stopped by one document; nothing of the import was saved.

    `source` names the document (its file name), `reason` says what is wrong with it, field
    first. The reason may quote a value of the document: show it to the user, never log it.
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class InvalidValue(StoreError, ValueError):
    """A value the store refuses (unknown role, bad setting, empty password...)."""


class PermissionDenied(StoreError):
    """The acting user may not do this (not an administrator, not a clinician...)."""


class AuthenticationFailed(StoreError):
    """Sign-in refused. Deliberately vague: it does not say whether the name exists."""

    def __init__(self, message: str = "the user name or password is wrong") -> None:
        super().__init__(message)


class AccountDisabled(AuthenticationFailed):
    """The account exists and the password is right, but an administrator disabled it."""

    def __init__(self) -> None:
        super().__init__("this account is disabled; ask an administrator")


class AccountLocked(AuthenticationFailed):
    """Too many wrong passwords in a row; sign-in refused until `locked_until`."""

    def __init__(self, locked_until: str) -> None:
        self.locked_until = locked_until
        super().__init__(f"this account is locked after repeated wrong passwords until {locked_until}")


class BackupError(StoreError):
    """A backup or restore could not be completed; the live database is unchanged."""


def checked_text(value: str | None, what: str, *, required: bool = False,
                 max_length: int = 500) -> str | None:
    """Free text as stored: trimmed, None when empty; `InvalidValue` naming `what` when it
    is required but empty, or too long."""
    value = value.strip() if isinstance(value, str) else None
    if not value:
        if required:
            raise InvalidValue(f"{what} is required")
        return None
    if len(value) > max_length:
        raise InvalidValue(f"{what} is too long (at most {max_length} characters)")
    return value
