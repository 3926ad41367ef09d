"""A write the record could not make (a full disk, an I/O error), in the few words the
screens show: naming no patient, and saying what to do."""

from __future__ import annotations

import errno

# How often a screen asks again a record it could not reach (a draft offered to it, the
# board read again).
RECORD_RETRY_MS = 5_000


def storage_failure_words(error: BaseException, again: str) -> str:
    """A full disk, an I/O error or a lost server in a few words, naming no patient
    (SQLite's and the system's own words carry no data; a server's are left out), and what
    to do: free space or ask IT, then `again`."""
    if isinstance(error, OSError):
        what = error.strerror or type(error).__name__
    elif type(error).__module__.startswith("psycopg"):
        # A server's answer may quote the row it refused (an MRN): its kind only.
        return (f"the database server could not be reached or refused the write "
                f"({type(error).__name__}; ask IT to check the server, then {again})")
    else:
        what = str(error) or type(error).__name__
    full = "full" in what.lower() or getattr(error, "errno", None) == errno.ENOSPC
    return what + (f" (the disk is full: free some space, then {again})" if full else
                   f" (ask IT to check the disk, then {again})")


def write_failure_words(error: BaseException) -> str:
    """Finish could not write the exam: one line; the exam stays open and its draft kept."""
    return ("the record could not be written: " + storage_failure_words(error, "Finish again")
            + "; nothing was saved half-way and the exam is still open")
