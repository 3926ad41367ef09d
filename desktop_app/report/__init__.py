"""The chart note: PDF rendering (reportlab), body map, signing keys, PAdES signing and
verification. Qt appears only in `printing`.

The names below load their module on first use, so `from desktop_app.report import pki`
(the `user add` path) does not pull in reportlab or pyHanko.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "render_note": "note",
    "new_note_id": "note",
    "exam_record_hash": "note",
    "SignerDisplay": "note",
    "Escalation": "note",
    "NoteError": "note",
    "SIGNATURE_MEANING": "note",
    "sign_note": "signing",
    "create_signed_note": "signing",
    "signer_display": "signing",
    "SigningGapsError": "signing",
    "verify_note": "verify",
    "verify_file": "verify",
    "VerificationResult": "verify",
    "setup_authority": "pki",
    "enrol_user": "pki",
    "load_signer": "pki",
    "change_password": "pki",
    "grant_authority": "pki",
    "revoke_authority": "pki",
    "reissue_user": "pki",
    "NoteSigner": "pki",
    "PkiError": "pki",
    "SigningError": "pki",
    "AuthorityError": "pki",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
