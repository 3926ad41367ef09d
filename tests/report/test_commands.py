"""The headless commands: `note EXAM_ID` signs a stored exam, `verify` checks a note."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.report.samples import sample_raw
from tests.report.conftest import ADMIN, ADMIN_PASSWORD, NURSE, NURSE_PASSWORD
from tests.signing_in import make_hashing_quick


@pytest.fixture
def record(private_data_dir: Path, monkeypatch):
    """A record with an administrator and a nurse (with keys) and one stored exam."""
    from desktop_app.record.accounts import add_user
    from desktop_app.store import open_database, save_exam

    make_hashing_quick(monkeypatch)
    private_data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    db = open_database(private_data_dir)
    try:
        add_user(db, private_data_dir, ADMIN, full_name="Ada Admin", role="admin",
                 password=ADMIN_PASSWORD)
        add_user(db, private_data_dir, NURSE, full_name="Zoë Ngô-Ærøe", role="nurse",
                 password=NURSE_PASSWORD, credentials="RN, BSN", admin_name=ADMIN,
                 admin_password=ADMIN_PASSWORD)
        exam_id = save_exam(db, json.dumps(sample_raw("emergency")), actor=NURSE).exam_id
        raw = sample_raw("normal")
        del raw["exam"]["straight_leg_raise"]
        gaps_id = save_exam(db, json.dumps(raw), actor=NURSE).exam_id
    finally:
        db.close()
    return private_data_dir, exam_id, gaps_id


def run(argv, monkeypatch, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    return main(argv)


def sign(folder, exam_id, out, monkeypatch, password=NURSE_PASSWORD, *extra) -> int:
    return run(["--data-dir", str(folder), "note", str(exam_id), "--user", NURSE,
                "--password-stdin", "--out", str(out), *extra], monkeypatch,
               stdin=password + "\n")


def test_note_then_verify(record, tmp_path, monkeypatch, capsys):
    folder, exam_id, _ = record
    out = tmp_path / "note.pdf"
    assert sign(folder, exam_id, out, monkeypatch) == 0
    said = capsys.readouterr()
    assert f"stored for exam {exam_id}" in said.out
    assert "Zoë" not in said.out + said.err and "A1234567" not in said.out + said.err
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert run(["--data-dir", str(folder), "verify", str(out)], monkeypatch) == 0
    said = capsys.readouterr().out
    assert "Signature valid" in said and "issued here" in said
    assert "Signed by: Zoë Ngô-Ærøe, RN, BSN (user nurse)" in said
    assert "Note ID: NC-" in said
    assert run(["--data-dir", str(folder), "verify", "--json", str(out)], monkeypatch) == 0
    assert json.loads(capsys.readouterr().out)["in_record"] is True


def test_verify_says_what_is_wrong(record, tmp_path, monkeypatch, capsys):
    folder, exam_id, _ = record
    out = tmp_path / "note.pdf"
    assert sign(folder, exam_id, out, monkeypatch) == 0
    capsys.readouterr()
    out.write_bytes(out.read_bytes() + b"\n")
    assert run(["--data-dir", str(folder), "verify", str(out)], monkeypatch) == 1
    said = capsys.readouterr().out
    assert "bytes were added to the file after it was signed" in said
    assert "Claimed signer (not confirmed)" in said
    other = tmp_path / "other.txt"
    other.write_text("hello")
    assert run(["--data-dir", str(folder), "verify", str(other)], monkeypatch) == 1
    assert "not a PDF" in capsys.readouterr().out


def test_a_note_signed_outside_the_record_is_not_issued_here(record, tmp_path, monkeypatch,
                                                            capsys):
    from desktop_app.domain import load_document
    from desktop_app.report import create_signed_note, load_signer, new_note_id

    folder, _, _ = record
    signer = load_signer(folder, NURSE, NURSE_PASSWORD)  # a good key, a note never stored
    loose = tmp_path / "loose.pdf"
    loose.write_bytes(create_signed_note(load_document(json.dumps(sample_raw("emergency"))),
                                         signer, note_id=new_note_id()))
    assert run(["--data-dir", str(folder), "verify", str(loose)], monkeypatch) == 1
    assert "not in this installation's record" in capsys.readouterr().out


def test_wrong_password_is_refused(record, tmp_path, monkeypatch, capsys):
    folder, exam_id, _ = record
    out = tmp_path / "note.pdf"
    assert sign(folder, exam_id, out, monkeypatch, "not-the-password") == 1
    assert "password is wrong" in capsys.readouterr().err
    assert not out.exists()


def test_an_exam_with_signing_gaps_is_refused_with_the_list(record, tmp_path, monkeypatch,
                                                            capsys):
    folder, _, gaps_id = record
    assert sign(folder, gaps_id, tmp_path / "n.pdf", monkeypatch) == 1
    err = capsys.readouterr().err
    assert "straight_leg_raise.left" in err and "straight_leg_raise.right" in err
    assert not (tmp_path / "n.pdf").exists()


def test_an_exam_with_a_red_flag_not_asked_is_refused(record, tmp_path, monkeypatch, capsys):
    from desktop_app.store import open_database, save_exam

    folder, _, _ = record
    raw = sample_raw("normal")
    del raw["exam"]["symptoms"]["saddle_anaesthesia"]
    raw["patient"]["mrn"] = "B7654321"  # a patient of its own (the record holds "normal")
    db = open_database(folder)
    try:
        exam_id = save_exam(db, json.dumps(raw), actor=NURSE).exam_id
    finally:
        db.close()
    assert sign(folder, exam_id, tmp_path / "n.pdf", monkeypatch) == 1
    err = capsys.readouterr().err
    assert "saddle" in err and "not asked" in err
    assert not (tmp_path / "n.pdf").exists()


@pytest.mark.parametrize(("called_at", "problem"), [
    ("2026-05-04T14:05:00", "the time has no UTC offset"),
    ("2020-05-04T14:05:00+01:00", "the call is before the procedure"),
])
def test_a_call_that_breaks_the_escalation_rule_is_not_recorded(record, called_at, problem):
    """The store's one write of a call holds the protocol's rule (PROTOCOL.md section 6),
    so no door can record a call the note would then print wrongly."""
    from datetime import datetime

    from desktop_app.store import InvalidValue, open_database, record_escalation
    from desktop_app.store.episodes import episode_escalations

    folder, exam_id, _ = record
    db = open_database(folder)
    try:
        episode_id = db.execute("SELECT episode_id FROM exams WHERE id = ?",
                                [exam_id]).fetchone()[0]
        with pytest.raises(InvalidValue, match=problem):
            record_escalation(db, episode_id, role="anaesthetist", name="Dr Lima",
                              called_at=datetime.fromisoformat(called_at), actor=NURSE)
        with pytest.raises(InvalidValue, match="is required"):
            record_escalation(db, episode_id, role="anaesthetist", name=" ",
                              called_at=datetime.fromisoformat("2026-05-04T14:05:00+01:00"),
                              actor=NURSE)
        assert episode_escalations(db, episode_id) == []
    finally:
        db.close()


def test_invalid_arguments_exit_2(record, tmp_path, monkeypatch, capsys):
    folder, exam_id, _ = record
    path = tmp_path / "bad.json"
    path.write_text('{"format": "neuro-exam/1"}')
    assert sign(folder, path, tmp_path / "n.pdf", monkeypatch) == 2
    assert "import it first" in capsys.readouterr().err
    assert run(["--data-dir", str(folder), "note", "--amends", "NC-1", "--user", NURSE,
                "--password-stdin"], monkeypatch, stdin=NURSE_PASSWORD + "\n") == 2
    assert "--addendum-text" in capsys.readouterr().err


def test_addendum_from_the_command_line(record, tmp_path, monkeypatch, capsys):
    folder, exam_id, _ = record
    assert sign(folder, exam_id, tmp_path / "note.pdf", monkeypatch) == 0
    note_id = capsys.readouterr().out.split()[2]
    out = tmp_path / "add.pdf"
    assert run(["--data-dir", str(folder), "note", "--amends", note_id, "--addendum-text",
                "Correction: L5 right re-tested.", "--user", NURSE, "--password-stdin",
                "--out", str(out)], monkeypatch, stdin=NURSE_PASSWORD + "\n") == 0
    capsys.readouterr()
    assert run(["--data-dir", str(folder), "verify", str(out)], monkeypatch) == 0
    assert f"Amends note: {note_id}" in capsys.readouterr().out


def test_disabled_signers_are_reported_and_cannot_sign(record, tmp_path, monkeypatch, capsys):
    folder, exam_id, gaps_id = record
    out = tmp_path / "note.pdf"
    assert sign(folder, exam_id, out, monkeypatch) == 0
    assert run(["--data-dir", str(folder), "user", "disable", NURSE, "--user", ADMIN,
                "--password-stdin"], monkeypatch, stdin=ADMIN_PASSWORD + "\n") == 0
    capsys.readouterr()
    assert run(["--data-dir", str(folder), "verify", str(out)], monkeypatch) == 0
    said = capsys.readouterr().out
    assert "disabled" in said and "stored in the record while it was active" in said
    assert sign(folder, gaps_id, tmp_path / "again.pdf", monkeypatch) == 1
    assert "disabled" in capsys.readouterr().err
