"""Fixtures for the note tests: an installation with a signing authority and users, with
password stretching made cheap (the cost is stored with each key, so this only speeds up
the tests; the shipped cost is tested in test_pki)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from desktop_app.domain import ExamDocument, assess, load_document
from desktop_app.report import pki
from desktop_app.report.note import SignerDisplay, render_note
from tests.conftest import CASES

ADMIN, ADMIN_PASSWORD = "admin", "admin-pass-1"
NURSE, NURSE_PASSWORD = "nurse", "nurse-pass-1"
NOTE_ID = "NC-20260504-TEST0001"
SIGNED_AT = datetime(2026, 5, 4, 12, 30, tzinfo=UTC)
SHIPPED_SCRYPT_N = pki.SCRYPT_N


@pytest.fixture(autouse=True)
def cheap_password_stretching(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pki, "SCRYPT_N", 2**10)


@dataclass
class Installation:
    data_dir: Path

    def enrol(self, name: str, full_name: str, password: str, *, credentials: str | None = "RN",
              role: str = "nurse") -> None:
        pki.enrol_user(self.data_dir, name, full_name, credentials, password, role=role,
                       admin_name=ADMIN, admin_password=ADMIN_PASSWORD)

    def signer(self, name: str = NURSE, password: str = NURSE_PASSWORD) -> pki.NoteSigner:
        return pki.load_signer(self.data_dir, name, password)


def make_installation(folder: Path, institution: str = "St Elsewhere") -> Installation:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    pki.setup_authority(folder, ADMIN, ADMIN_PASSWORD, institution)
    installation = Installation(folder)
    installation.enrol(ADMIN, "Ada Admin", ADMIN_PASSWORD, role="admin")
    installation.enrol(NURSE, "Zoë Ngô-Ærøe", NURSE_PASSWORD, credentials="RN, BSN")
    return installation


@pytest.fixture
def installation(private_data_dir: Path) -> Installation:
    """This installation: authority held by `admin`; users `admin` and `nurse`."""
    return make_installation(private_data_dir)


@pytest.fixture
def other_installation(tmp_path: Path) -> Installation:
    """Another installation, with a user of the same name and password."""
    return make_installation(tmp_path / "elsewhere", institution="Elsewhere Clinic")


def case(name: str) -> ExamDocument:
    return load_document((CASES / f"{name}.json").read_bytes())


def render(document: ExamDocument, **overrides: Any) -> bytes:
    """A note of `document` with sensible defaults (no signing-gaps check)."""
    values: dict[str, Any] = dict(
        note_id=NOTE_ID,
        escalations=(),
        signer_display=SignerDisplay("Zoë Ngô-Ærøe", "RN, BSN", NURSE),
        signed_at=SIGNED_AT,
        ward="Ward 7B",
        institution="St Elsewhere",
    )
    values.update(overrides)
    return render_note(document, assess(document), **values)


def pdf_text(pdf: bytes) -> str:
    """The text of every page (pypdf), pages joined by form feeds."""
    from pypdf import PdfReader

    return "\f".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)
