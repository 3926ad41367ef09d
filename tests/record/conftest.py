"""A ward's record for the record-layer tests: an administrator, a nurse and a clinician,
each with a signing key, and one stored exam ready to sign. No Qt."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlite_utils import Database

from desktop_app.record import accounts
from desktop_app.report.samples import sample_raw
from desktop_app.store import save_exam
from tests.postgres_server import open_test_record
from tests.signing_in import make_hashing_quick

ADMIN, ADMIN_PASSWORD = "admin", "admin-passphrase-1"
NURSE, NURSE_PASSWORD = "nurse", "nurse-passphrase-1"
CLINICIAN, CLINICIAN_PASSWORD = "clinician", "clinician-passphrase-1"
KEY_ACTIONS = ("key.write", "key.retire")


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    make_hashing_quick(monkeypatch)


@dataclass
class Ward:
    folder: Path
    db: Database
    exam_id: int

    @property
    def keys(self):
        """Where the record keeps its signing keys (on a server: in the record itself)."""
        from desktop_app.record.keys import signing_keys

        return signing_keys(self.db, self.folder)

    @property
    def on_server(self) -> bool:
        from desktop_app.store.dialect import is_postgres

        return is_postgres(self.db)

    def actions(self) -> list[str]:
        """The audit log's actions, oldest first."""
        return [row[0] for row in self.db.execute("SELECT action FROM audit_log ORDER BY id")]

    def actions_since(self, mark: int) -> list[str]:
        """The operations' actions after the first `mark` entries: without the entries of
        the key rows a record on a server writes beside them (`key_writes_since`)."""
        return [a for a in self.actions()[mark:] if a not in KEY_ACTIONS]

    def key_writes_since(self, mark: int) -> list[tuple[str, str, str]]:
        """(actor, action, key file) of each key row written after the first `mark`
        entries (a record on a server only)."""
        rows = self.db.execute("SELECT actor, action, detail FROM audit_log ORDER BY id")
        return [(actor, action, json.loads(detail)["key"])
                for actor, action, detail in rows.fetchall()[mark:] if action in KEY_ACTIONS]


@pytest.fixture
def ward(private_data_dir: Path, engine: str, request: pytest.FixtureRequest) -> Iterator[Ward]:
    """The ward's record on each engine (see tests/postgres_server.py); its signing keys in
    the data folder (SQLite) or in the record itself (PostgreSQL)."""
    private_data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    db = open_test_record(engine, private_data_dir, request)
    accounts.add_user(db, private_data_dir, ADMIN, full_name="Ada Admin", role="admin",
                      password=ADMIN_PASSWORD)
    for name, role, password, full_name in (
            (NURSE, "nurse", NURSE_PASSWORD, "Zoë Ngô-Ærøe"),
            (CLINICIAN, "clinician", CLINICIAN_PASSWORD, "Cleo Clinician")):
        accounts.add_user(db, private_data_dir, name, full_name=full_name, role=role,
                          password=password, credentials="RN", admin_name=ADMIN,
                          admin_password=ADMIN_PASSWORD)
    saved = save_exam(db, json.dumps(sample_raw("emergency")), actor=NURSE)
    ward = Ward(private_data_dir, db, saved.exam_id)
    yield ward
    ward.db.close()  # the test may have reopened it


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], folder: Path,
            *args: str, stdin: str = "") -> tuple[int, str, str]:
    """A command in this process, as the console runs it, with `stdin`."""
    from desktop_app.cli import main

    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = main(["--data-dir", str(folder), *args])
    out, err = capsys.readouterr()
    return status, out, err
