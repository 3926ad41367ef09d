"""The headless commands: `note` signs an exam document, `verify` checks a note."""

from __future__ import annotations

import io
import json
import os
import stat

import pytest

from desktop_app.cli import main
from desktop_app.report.samples import sample_raw
from tests.report.conftest import NURSE, NURSE_PASSWORD


@pytest.fixture
def exam_file(tmp_path):
    path = tmp_path / "exam.json"
    path.write_text(json.dumps(sample_raw("emergency")), encoding="utf-8")
    return path


def run(argv, monkeypatch, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    return main(argv)


def sign(installation, exam_file, out, monkeypatch, password=NURSE_PASSWORD, *extra) -> int:
    return run(["--data-dir", str(installation.data_dir), "note", str(exam_file), "--user",
                NURSE, "--password-stdin", "--out", str(out), *extra], monkeypatch,
               stdin=password + "\n")


def test_note_then_verify(installation, exam_file, tmp_path, monkeypatch, capsys):
    out = tmp_path / "note.pdf"
    assert sign(installation, exam_file, out, monkeypatch, NURSE_PASSWORD, "--paper", "letter",
                "--note-id", "NC-CLI-1", "--ward", "7B") == 0
    said = capsys.readouterr()
    assert "signed note NC-CLI-1 written" in said.out
    assert "Zoë" not in said.out + said.err and "A1234567" not in said.out + said.err
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert run(["--data-dir", str(installation.data_dir), "verify", str(out)], monkeypatch) == 0
    said = capsys.readouterr().out
    assert "Signature valid" in said
    assert "Signed by: Zoë Ngô-Ærøe, RN, BSN (user nurse)" in said
    assert "Note ID: NC-CLI-1" in said
    assert run(["--data-dir", str(installation.data_dir), "verify", "--json", str(out)],
               monkeypatch) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_verify_says_what_is_wrong(installation, exam_file, tmp_path, monkeypatch, capsys):
    out = tmp_path / "note.pdf"
    assert sign(installation, exam_file, out, monkeypatch) == 0
    capsys.readouterr()
    out.write_bytes(out.read_bytes() + b"\n")
    assert run(["--data-dir", str(installation.data_dir), "verify", str(out)], monkeypatch) == 1
    assert "bytes were added to the file after it was signed" in capsys.readouterr().out
    other = tmp_path / "other.txt"
    other.write_text("hello")
    assert run(["--data-dir", str(installation.data_dir), "verify", str(other)],
               monkeypatch) == 1
    assert "not a PDF" in capsys.readouterr().out


def test_wrong_password_is_refused(installation, exam_file, tmp_path, monkeypatch, capsys):
    out = tmp_path / "note.pdf"
    assert sign(installation, exam_file, out, monkeypatch, "not-the-password") == 1
    assert "wrong password" in capsys.readouterr().err
    assert not out.exists()


def test_an_exam_with_signing_gaps_is_refused_with_the_list(installation, tmp_path,
                                                            monkeypatch, capsys):
    raw = sample_raw("normal")
    del raw["exam"]["straight_leg_raise"]
    path = tmp_path / "gaps.json"
    path.write_text(json.dumps(raw))
    assert sign(installation, path, tmp_path / "n.pdf", monkeypatch) == 1
    err = capsys.readouterr().err
    assert "straight_leg_raise.left" in err and "straight_leg_raise.right" in err
    assert not (tmp_path / "n.pdf").exists()


def test_an_exam_with_a_red_flag_not_asked_is_refused(installation, tmp_path, monkeypatch,
                                                      capsys):
    raw = sample_raw("normal")
    del raw["exam"]["symptoms"]["saddle_anaesthesia"]
    path = tmp_path / "not-asked.json"
    path.write_text(json.dumps(raw))
    assert sign(installation, path, tmp_path / "n.pdf", monkeypatch) == 1
    err = capsys.readouterr().err
    assert "symptoms.saddle_anaesthesia" in err and "not asked" in err
    assert not (tmp_path / "n.pdf").exists()


@pytest.mark.parametrize(("call", "problem"), [
    ({"role": "anaesthetist", "name": "Dr Lima", "called_at": "2026-05-04T14:05:00"},
     "escalations[0].called_at: the time has no UTC offset"),
    ({"role": "anaesthetist", "name": "Dr Lima", "called_at": "2020-05-04T14:05:00+01:00"},
     "escalations[0].called_at: the call is before the procedure"),
    ({}, "escalations[0].role: is missing"),
    ({"role": "anaesthetist", "name": ["Dr", "Lima"], "called_at": "2026-05-04T14:05:00Z"},
     "escalations[0].name: must be text, not a list"),
])
def test_an_escalation_record_that_breaks_the_rule_is_refused(installation, exam_file,
                                                              tmp_path, monkeypatch, capsys,
                                                              call, problem):
    calls = tmp_path / "calls.json"
    calls.write_text(json.dumps([call]))
    out = tmp_path / "n.pdf"
    assert sign(installation, exam_file, out, monkeypatch, NURSE_PASSWORD,
                "--escalations", str(calls)) == 2
    err = capsys.readouterr().err.strip()
    assert problem in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_an_invalid_document_exits_2(installation, tmp_path, monkeypatch, capsys):
    path = tmp_path / "bad.json"
    path.write_text('{"format": "neuro-exam/1"}')
    assert sign(installation, path, tmp_path / "n.pdf", monkeypatch) == 2
    assert "invalid exam document" in capsys.readouterr().err


def test_addendum_from_the_command_line(installation, exam_file, tmp_path, monkeypatch,
                                        capsys):
    out = tmp_path / "add.pdf"
    assert sign(installation, exam_file, out, monkeypatch, NURSE_PASSWORD, "--amends",
                "NC-1", "--addendum-text", "Correction: L5 right re-tested.") == 0
    capsys.readouterr()
    assert run(["--data-dir", str(installation.data_dir), "verify", str(out)], monkeypatch) == 0
    assert "Amends note: NC-1" in capsys.readouterr().out


def test_with_the_record_sign_in_is_checked_and_disabled_signers_are_reported(
        private_data_dir, exam_file, tmp_path, monkeypatch, capsys):
    users = pytest.importorskip("desktop_app.store.users")
    database = pytest.importorskip("desktop_app.store.database")
    private_data_dir.mkdir(mode=0o700, exist_ok=True)
    db = database.open_database(private_data_dir)
    try:
        users.add_user(db, private_data_dir, "admin", full_name="Ada Admin", role="admin",
                       password="admin-pass-1")
        users.add_user(db, private_data_dir, NURSE, full_name="Zoë Ngô-Ærøe", role="nurse",
                       password=NURSE_PASSWORD, credentials="RN", admin_name="admin",
                       admin_password="admin-pass-1")
    finally:
        db.close()

    class Folder:
        data_dir = private_data_dir

    out = tmp_path / "note.pdf"
    assert sign(Folder, exam_file, out, monkeypatch) == 0
    db = database.open_database(private_data_dir)
    try:
        users.disable_account(db, private_data_dir, NURSE, admin_name="admin",
                              admin_password="admin-pass-1")
    finally:
        db.close()
    capsys.readouterr()
    assert run(["--data-dir", str(private_data_dir), "verify", str(out)], monkeypatch) == 0
    assert "disabled" in capsys.readouterr().out
    assert sign(Folder, exam_file, tmp_path / "again.pdf", monkeypatch) == 1
    assert "disabled" in capsys.readouterr().err
