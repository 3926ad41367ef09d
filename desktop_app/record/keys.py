"""Where a record's signing keys are kept: in the record itself when it is on a database
server (any workstation can sign, and no key sits in a shared folder), and so in a
portable copy of such a record wherever it is restored; else in the data folder's pki/
beside the embedded record. Either way the same `report.pki` functions use them, and a
write to the record's keys joins the operation's transaction."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlite_utils import Database

from desktop_app.store.dialect import is_postgres
from desktop_app.store.keys import RecordKeyFiles, record_keeps_keys

if TYPE_CHECKING:
    from desktop_app.report.pki import KeysAt


def signing_keys(db: Database, data_dir: Path, actor: str | None = None) -> KeysAt:
    """The keys of the record `db` (whose data folder is `data_dir`); in the record, a
    write of them is audited in the name of `actor`."""
    if is_postgres(db) or record_keeps_keys(db):
        return RecordKeyFiles(db, actor)
    return Path(data_dir)


def note_verifier(keys: KeysAt):
    """The signature check of a stored note, for `check --signatures` and a move to a
    server: this installation's authority (in `keys`), via report/verify.py (the store
    does not read PDFs itself). None when the note verifies, else what is wrong."""
    import logging

    from desktop_app.report.verify import verify_note

    logging.getLogger("pyhanko").setLevel(logging.ERROR)

    def verify(pdf: bytes) -> str | None:
        # A stored note was issued here: a key revoked since (the signer left) keeps it valid.
        result = verify_note(pdf, keys, in_record=lambda _sha256: True)
        return None if result.ok else "its signature does not verify: " + "; ".join(
            result.problems)

    return verify
