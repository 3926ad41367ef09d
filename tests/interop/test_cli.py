"""`python -m desktop_app fhir`: from a document plus its signed PDF, and from the record."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from desktop_app.cli import main
from desktop_app.domain import load_document
from desktop_app.interop.source import (
    SignedExam,
    SourceError,
    load_document_and_note,
    parse_pdf_date,
)
from tests.conftest import CASES, ROOT
from tests.interop.helpers import NOTE_ID, note_keywords_for, one, resources, tiny_pdf
from tests.interop.test_fhir import VALID

ADMIN_PASSWORD = "admin-password-1234"
NURSE_PASSWORD = "nurse-password-1234"


def _note_for(case: Path, folder: Path) -> Path:
    """A stand-in note carrying the Keywords a NeuroCheck note of `case` carries."""
    document = load_document(case.read_bytes())
    path = folder / f"{case.stem}.pdf"
    path.write_bytes(tiny_pdf(note_keywords_for(document)))
    return path


def _bundle(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _attached_pdf(bundle: dict) -> bytes:
    return base64.b64decode(one(bundle, "DocumentReference")["content"][0]["attachment"]["data"])


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.stem)
def test_document_and_note_export_for_every_valid_case(case: Path, tmp_path: Path) -> None:
    note = _note_for(case, tmp_path)
    out = tmp_path / "bundle.json"
    code = main(["fhir", "--document", str(case), "--note", str(note), "--out", str(out),
                 "--signed-at", "2026-12-01T09:00:00+01:00", "--signer", "Ana Lima"])
    assert code == 0
    bundle = _bundle(out)
    Bundle.model_validate(bundle)
    assert _attached_pdf(bundle) == note.read_bytes()
    assert one(bundle, "DocumentReference")["masterIdentifier"]["value"] == NOTE_ID


def test_the_command_runs_as_a_module_with_only_document_note_and_out(tmp_path: Path) -> None:
    case = CASES / "mbb-slr-failed.json"
    note = _note_for(case, tmp_path)
    out = tmp_path / "out.json"
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "fhir", "--document", str(case), "--note",
         str(note), "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ}, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    bundle = _bundle(out)
    Bundle.model_validate(bundle)
    assert _attached_pdf(bundle) == note.read_bytes()
    # No signature in the stand-in: the signer is the Keywords' login, the time the PDF's.
    assert one(bundle, "Practitioner")["name"][0]["text"] == "nurse"
    if os.name == "posix":
        assert out.stat().st_mode & 0o077 == 0  # patient data: owner only


def test_a_re_export_writes_the_same_bytes(tmp_path: Path) -> None:
    case = CASES / "im-foot-drop.json"
    note = _note_for(case, tmp_path)
    args = ["fhir", "--document", str(case), "--note", str(note), "--signed-at",
            "2026-05-05T11:00:00+01:00", "--signer", "Ana Lima", "--out"]
    assert main([*args, str(tmp_path / "a.json")]) == 0
    assert main([*args, str(tmp_path / "b.json")]) == 0
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_escalations_from_a_file_and_non_latin_names_reach_the_file(tmp_path: Path) -> None:
    raw = json.loads((CASES / "im-foot-drop.json").read_text())
    raw["patient"]["name"] = "Zoë Ngô-Ærøe"
    case = tmp_path / "exam.json"
    case.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    note = _note_for(case, tmp_path)
    calls = tmp_path / "calls.json"
    calls.write_text(json.dumps([{"role": "neurologist", "name": "Дмитрий",
                                  "called_at": "2026-05-05T10:05:00+01:00",
                                  "response": "review now"}], ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["fhir", "--document", str(case), "--note", str(note), "--escalations",
                 str(calls), "--signed-at", "2026-05-05T11:00:00+01:00", "--signer",
                 "Дмитрий", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "Zoë Ngô-Ærøe" in text  # UTF-8 as typed, not ASCII escapes
    bundle = json.loads(text)
    assert one(bundle, "Communication")["recipient"][0]["display"] == (
        "neurologist Дмитрий")
    assert one(bundle, "Practitioner")["name"][0]["text"] == "Дмитрий"


def test_a_note_of_another_exam_is_refused_and_nothing_is_written(tmp_path: Path, capsys) -> None:
    note = _note_for(CASES / "im-foot-drop.json", tmp_path)
    out = tmp_path / "out.json"
    code = main(["fhir", "--document", str(CASES / "mbb-slr-failed.json"), "--note", str(note),
                 "--out", str(out)])
    assert code == 1
    assert "another exam" in capsys.readouterr().err
    assert not out.exists()
    assert list(tmp_path.glob(".fhir-*")) == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "note ID"),  # a PDF that is not a NeuroCheck note and no --note-id
        (["--note-id", "N1"], "before the exam"),  # its creation date, 2000, is no signing time
        (["--note-id", "N1", "--signed-at", "2026-12-01T09:00:00"], "UTC offset"),
        (["--note-id", "N1", "--signed-at", "2020-01-01T09:00:00+00:00"], "before the exam"),
        (["--note-id", "N1", "--signed-at", "2026-12-01T09:00:00+00:00"], "signer"),
        (["--note-id", "bad id!", "--signed-at", "2026-12-01T09:00:00+00:00", "--signer", "A"],
         "note ID"),
    ],
)
def test_what_cannot_be_read_from_a_plain_pdf_must_be_given(tmp_path: Path, capsys, extra,
                                                           message) -> None:
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(tiny_pdf(invariant=True))
    out = tmp_path / "out.json"
    code = main(["fhir", "--document", str(CASES / "mbb-slr-failed.json"), "--note", str(plain),
                 "--out", str(out), *extra])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_an_invalid_document_is_refused_naming_the_field(tmp_path: Path, capsys) -> None:
    note = tmp_path / "n.pdf"
    note.write_bytes(tiny_pdf("neurocheck-note/1 note-id=N1 signer=ana"))
    code = main(["fhir", "--document", str(CASES / "bad-mrc-6.json"), "--note", str(note),
                 "--out", str(tmp_path / "o.json")])
    assert code == 2
    assert "hip_flexion" in capsys.readouterr().err


def test_options_that_do_not_go_together_are_refused(tmp_path: Path, capsys) -> None:
    assert main(["fhir", "--document", str(CASES / "mbb-slr-failed.json"), "--out", "-"]) == 2
    assert main(["fhir", "--out", "-"]) == 2
    assert main(["fhir", "3", "--signer", "x", "--out", "-"]) == 2
    assert main(["fhir", "--document", str(tmp_path / "missing.json"), "--note",
                 str(tmp_path / "missing.pdf"), "--out", "-"]) == 2


def test_pdf_dates_are_read_with_their_offset_and_never_guessed_without() -> None:
    assert parse_pdf_date("D:20261121103000+01'00'") == datetime.fromisoformat(
        "2026-11-21T10:30:00+01:00")
    assert parse_pdf_date("D:20261121103000Z") == datetime(2026, 11, 21, 10, 30, tzinfo=UTC)
    assert parse_pdf_date("D:20261121103000") is None
    assert parse_pdf_date("yesterday") is None


def test_an_assessment_that_differs_from_the_recorded_one_is_refused() -> None:
    document = load_document((CASES / "im-foot-drop.json").read_bytes())
    signed = load_document_and_note(
        (CASES / "im-foot-drop.json").read_bytes(), tiny_pdf(note_keywords_for(document)),
        signed_at=datetime(2026, 5, 5, 12, tzinfo=UTC), signer_name="A")
    assert signed.assessment().level.value == "urgent"
    stale = SignedExam(**{**vars(signed), "recorded": {"level": "observe", "rules": ["IM-4"]}})
    with pytest.raises(SourceError, match="differs"):
        stale.assessment()


# -- the real thing: a note rendered and signed by the report code, from the record --------------

@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory):
    """A data folder with a nurse, a saved exam, an escalation and the exam's signed note."""
    pytest.importorskip("desktop_app.store.notes")
    from desktop_app.record.accounts import add_user
    from desktop_app.report.pki import load_signer
    from desktop_app.report.signing import create_signed_note
    from desktop_app.store import open_database
    from desktop_app.store.episodes import episode_escalations, record_escalation
    from desktop_app.store.exams import save_exam
    from desktop_app.store.notes import store_signed_note

    folder = tmp_path_factory.mktemp("record")
    raw = json.loads((CASES / "mbb-slr-failed.json").read_text())
    raw["patient"]["name"] = "Zoë Ngô-Ærøe"
    db = open_database(folder)
    try:
        add_user(db, folder, "admin", full_name="Site Admin", role="admin",
                 password=ADMIN_PASSWORD)
        add_user(db, folder, "dima", full_name="Дмитрий Иванов",
                 role="nurse", password=NURSE_PASSWORD, credentials="RN",
                 admin_name="admin", admin_password=ADMIN_PASSWORD)
        saved = save_exam(db, json.dumps(raw, ensure_ascii=False), actor="dima")
        record_escalation(db, saved.episode_id, role="anaesthetist", name="Dr Okafor",
                          called_at=datetime(2026, 5, 4, 8, 40, tzinfo=UTC), actor="dima",
                          response="to review within 30 min", exam_id=saved.exam_id)
        document = load_document(json.dumps(raw).encode())
        calls = [{"role": e.called_role, "name": e.called_name, "called_at": e.called_at,
                  "response": e.response}
                 for e in episode_escalations(db, saved.episode_id)]
        signer = load_signer(folder, "dima", NURSE_PASSWORD)
        pdf = create_signed_note(document, signer, note_id="NC-20260504-REALNOTE",
                                 escalations=calls)
        store_signed_note(db, saved.exam_id, pdf, signed_by="dima")
        unsigned = dict(raw, exam={**raw["exam"], "performed_at": "2026-05-04T10:30:00+01:00"},
                        previous_exams=[raw["exam"]])
        other = save_exam(db, json.dumps(unsigned), actor="dima")
    finally:
        db.close()
    return folder, saved.exam_id, other.exam_id, pdf


def from_record(folder: Path, *args: str, user: str = "dima",
                password: str = NURSE_PASSWORD) -> int:
    """`fhir ...` on the record of `folder`, signed in as `user`."""
    import io

    saved = sys.stdin
    sys.stdin = io.StringIO(f"{password}\n")
    try:
        return main(["--data-dir", str(folder), "fhir", *args, "--user", user,
                     "--password-stdin"])
    finally:
        sys.stdin = saved


def test_a_stored_exam_exports_with_its_real_signed_note(record, tmp_path: Path) -> None:
    from desktop_app.store import audit_entries, open_database

    folder, exam_id, _, pdf = record
    out = tmp_path / "bundle.json"
    assert from_record(folder, str(exam_id), "--out", str(out)) == 0
    db = open_database(folder)
    try:  # patient data left the record: the audit log says who took it
        entries = [(e.actor, e.action) for e in audit_entries(db, table="exams",
                                                              record_id=exam_id)]
    finally:
        db.close()
    assert ("dima", "note.export_fhir") in entries  # the GUI's name, and the signed-in actor
    bundle = _bundle(out)
    Bundle.model_validate(bundle)
    assert _attached_pdf(bundle) == pdf
    reference = one(bundle, "DocumentReference")
    assert reference["masterIdentifier"]["value"] == "NC-20260504-REALNOTE"
    assert one(bundle, "Practitioner")["name"][0]["text"] == (
        "Дмитрий Иванов")
    assert one(bundle, "Patient")["name"][0]["text"] == "Zoë Ngô-Ærøe"
    assert [c["recipient"][0]["display"] for c in resources(bundle, "Communication")] == [
        "anaesthetist Dr Okafor"]
    risk = one(bundle, "RiskAssessment")
    assert risk["prediction"][0]["qualitativeRisk"]["coding"][0]["code"] == "urgent"
    assert bundle["identifier"]["value"] == str(exam_id)


def test_the_real_signed_note_exports_from_files_with_nothing_but_document_and_note(
        record, tmp_path: Path) -> None:
    _, _, _, pdf = record
    raw = json.loads((CASES / "mbb-slr-failed.json").read_text())
    raw["patient"]["name"] = "Zoë Ngô-Ærøe"
    document = tmp_path / "exam.json"
    document.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    note = tmp_path / "note.pdf"
    note.write_bytes(pdf)
    out = tmp_path / "bundle.json"
    assert main(["fhir", "--document", str(document), "--note", str(note), "--out", str(out)]) == 0
    bundle = _bundle(out)
    Bundle.model_validate(bundle)
    assert _attached_pdf(bundle) == pdf
    # Signer and time come from the signature itself.
    assert one(bundle, "Practitioner")["name"][0]["text"] == (
        "Дмитрий Иванов")
    assert one(bundle, "DocumentReference")["masterIdentifier"]["value"] == "NC-20260504-REALNOTE"


@pytest.mark.parametrize("which", ["unsigned", "missing", "not-a-number"])
def test_an_exam_without_a_signed_note_or_record_is_refused(record, tmp_path: Path, capsys,
                                                            which) -> None:
    folder, _, unsigned_id, _ = record
    exam_id = {"unsigned": str(unsigned_id), "missing": "9999", "not-a-number": "x"}[which]
    out = tmp_path / "out.json"
    code = from_record(folder, exam_id, "--out", str(out))
    assert code == (2 if which == "not-a-number" else 1)
    assert not out.exists()
    err = capsys.readouterr().err
    assert "Zoë" not in err and "MRN-0042" not in err  # no patient identifier in messages


def test_an_empty_data_folder_has_no_exam_to_export(tmp_path: Path, capsys) -> None:
    assert from_record(tmp_path / "empty", "1", "--out", "-") == 1
    assert "Sign-in refused" in capsys.readouterr().err  # nobody can sign in to no record


def test_an_export_from_the_record_takes_a_sign_in(record, tmp_path: Path, capsys) -> None:
    folder, exam_id, _, _ = record
    out = tmp_path / "out.json"
    assert main(["--data-dir", str(folder), "fhir", str(exam_id), "--out", str(out)]) == 2
    assert "--user" in capsys.readouterr().err and not out.exists()
    assert from_record(folder, str(exam_id), "--out", str(out), password="wrong-password") == 1
    assert "Sign-in refused" in capsys.readouterr().err and not out.exists()


def test_load_signed_exam_reads_a_data_folder_without_writing_to_it(record) -> None:
    from desktop_app.interop.source import load_signed_exam
    from desktop_app.store import database_path

    folder, exam_id, unsigned_id, pdf = record

    def files() -> dict[str, bytes]:
        # SQLite may add empty -wal/-shm side files to read a WAL database; no content.
        path = database_path(folder)
        found = {p.name: p.read_bytes() for p in path.parent.glob(path.name + "*")}
        return {name: data for name, data in found.items()
                if not name.endswith("-shm") and data}

    before = files()
    signed = load_signed_exam(folder, str(exam_id))
    assert signed.note_pdf == pdf
    assert signed.note_id == "NC-20260504-REALNOTE"
    assert signed.signer_name == "Дмитрий Иванов"
    assert [c["name"] for c in signed.escalations] == ["Dr Okafor"]
    assert signed.assessment().level.value == "urgent"
    assert files() == before
    with pytest.raises(SourceError, match="no signed note"):
        load_signed_exam(folder, unsigned_id)
    with pytest.raises(SourceError, match="no database"):
        load_signed_exam(folder / "elsewhere", exam_id)


def test_the_export_code_needs_no_fhir_library_qt_database_or_pdf_code() -> None:
    # fhir.resources is a test dependency only; building a bundle must run without it.
    probe = (
        "import sys, desktop_app.interop.fhir, desktop_app.commands.fhir\n"
        "heavy = {'fhir', 'PySide6', 'sqlite_utils', 'reportlab', 'pyhanko', 'sqlite3'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"


def _neurocheck(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command, signed in where the command asks for it."""
    from tests.signing_in import with_sign_in

    argv, stdin = with_sign_in(["--data-dir", str(folder), *args])
    return subprocess.run([sys.executable, "-m", "desktop_app", *argv], input=stdin,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_import_refuses_another_person_under_a_known_mrn_unless_it_is_a_correction(
        tmp_path: Path, monkeypatch) -> None:
    from tests.signing_in import make_hashing_quick

    make_hashing_quick(monkeypatch)  # the test account's hash, checked by the commands
    folder = tmp_path / "data"
    first = json.loads((CASES / "mbb-saddle.json").read_text(encoding="utf-8"))
    first["patient"]["mrn"] = "mbb-0501"
    other = json.loads(json.dumps(first))
    other["patient"]["mrn"] = "MBB-0501"
    other["patient"]["name"] = "Someone Else"
    other["exam"]["performed_at"] = "2026-05-04T13:00:00+01:00"
    (tmp_path / "first.json").write_text(json.dumps(first), encoding="utf-8")
    (tmp_path / "other.json").write_text(json.dumps(other), encoding="utf-8")
    assert _neurocheck(folder, "import", str(tmp_path / "first.json")).returncode == 0
    refused = _neurocheck(folder, "import", str(tmp_path / "other.json"))
    assert refused.returncode == 2
    assert first["patient"]["name"] in refused.stderr and "Someone Else" in refused.stderr
    assert "nothing was imported" in refused.stderr and "Traceback" not in refused.stderr
    log = "".join(p.read_text(encoding="utf-8") for p in folder.rglob("*.log"))
    assert "Someone Else" not in log and first["patient"]["name"] not in log
    corrected = _neurocheck(folder, "import", "--correction", str(tmp_path / "other.json"))
    assert corrected.returncode == 0, corrected.stderr
    checked = _neurocheck(folder, "check")
    assert checked.returncode == 0, checked.stderr
    assert "every row" in checked.stdout
