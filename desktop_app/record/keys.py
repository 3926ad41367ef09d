"""Where a record's signing keys are kept: in the record itself when it is on a database
server (any workstation can sign, and no key sits in a shared folder), else in the data
folder's pki/ beside the embedded record. Either way the same `report.pki` functions use
them, and a write to the record's keys joins the operation's transaction."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlite_utils import Database

from desktop_app.store.dialect import is_postgres
from desktop_app.store.keys import RecordKeyFiles

if TYPE_CHECKING:
    from desktop_app.report.pki import KeysAt


def signing_keys(db: Database, data_dir: Path) -> KeysAt:
    """The keys of the record `db` (whose data folder is `data_dir`)."""
    return RecordKeyFiles(db) if is_postgres(db) else Path(data_dir)
