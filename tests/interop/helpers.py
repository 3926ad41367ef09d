"""Shared helpers for the FHIR export tests: a stand-in PDF note and bundle look-ups."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop_app.domain import ExamDocument, assess, load_document
from desktop_app.interop.fhir import build_bundle

SIGNED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # after every shared case's exam
NOTE_ID = "NC-20260504-TEST0001"


def tiny_pdf(keywords: str | None = None, *, text: str = "NeuroCheck test note",
             invariant: bool = False) -> bytes:
    """A small real PDF (reportlab), standing in for a signed note. Created now, unless
    `invariant` (reportlab then dates it 2000-01-01, before any exam)."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=int(invariant))
    if keywords:
        pdf.setKeywords(keywords)
    pdf.drawString(72, 720, text)
    pdf.save()
    return buffer.getvalue()


def note_keywords_for(document: ExamDocument, *, note_id: str = NOTE_ID,
                      signer: str = "nurse") -> str:
    """The Keywords line a NeuroCheck note of `document` carries."""
    from desktop_app.report.note import exam_record_hash, note_keywords

    return note_keywords(note_id, exam_record_hash(document), signer, None)


def export(document: ExamDocument, *, exam_id: str = "17", note_pdf: bytes | None = None,
           signer_name: str = "Ana Lima", escalations=()) -> dict[str, Any]:
    """The bundle of `document` with its own assessment and a stand-in note."""
    return build_bundle(
        document, assess(document), exam_id=exam_id,
        note_pdf=note_pdf if note_pdf is not None else tiny_pdf(invariant=True),
        note_id=NOTE_ID, signed_at=SIGNED_AT, signer_name=signer_name,
        escalations=escalations,
    )


def load_case(path: Path) -> ExamDocument:
    return load_document(path.read_bytes())


def resources(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    """Every resource of one type in the bundle, in entry order."""
    return [e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == resource_type]


def one(bundle: dict[str, Any], resource_type: str) -> dict[str, Any]:
    found = resources(bundle, resource_type)
    assert len(found) == 1, f"{len(found)} {resource_type} resources"
    return found[0]


def component_by_code(observation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The exam's components keyed by their NeuroCheck code."""
    return {c["code"]["coding"][0]["code"]: c for c in observation["component"]}


def references(node: Any) -> list[str]:
    """Every `reference` value anywhere under `node`."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                found.append(value)
            else:
                found += references(value)
    elif isinstance(node, list):
        for value in node:
            found += references(value)
    return found


def codings(node: Any) -> list[dict[str, Any]]:
    """Every Coding (a dict with `system` and `code`) anywhere under `node`."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "system" in node and "code" in node:
            found.append(node)
        for value in node.values():
            found += codings(value)
    elif isinstance(node, list):
        for value in node:
            found += codings(value)
    return found
