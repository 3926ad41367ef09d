"""Every command stops in one line, never a traceback: bad IDs and paths, a full disk, an
I/O error; the data folder keeps its permissions; output files are never written through
a planted link; a killed backup leaves no copy behind."""

from __future__ import annotations

import errno
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.cli import main
from tests.conftest import CASES, ROOT
from tests.signing_in import make_hashing_quick, with_sign_in

CASE = CASES / "mbb-slr-failed.json"
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and signals")


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """The test account's password hashed at the smallest cost (the hash keeps its cost, so
    the commands run as subprocesses check it as quickly)."""
    make_hashing_quick(monkeypatch)


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    """`main(argv)` in-process, signed in where the command asks for it: its exit status
    (argparse's too), stdout and stderr."""
    import io

    argv, stdin = with_sign_in(argv)
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(argv)
    except SystemExit as stop:
        code = stop.code
    finally:
        sys.stdin = saved
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, err
    line = err[:-1]
    assert len(line) <= 300 and line.isprintable() and "Traceback" not in line
    return line


def audit_count(folder: Path) -> int:
    conn = sqlite3.connect(folder / "neurocheck.sqlite")
    try:
        return conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def record(tmp_path: Path, capsys) -> tuple[Path, int]:
    """A data folder holding one imported exam, and that exam's ID."""
    folder = tmp_path / "record"
    code, out, err = run(["--data-dir", str(folder), "import", str(CASE)], capsys)
    assert code == 0, err
    return folder, int(out.strip())


@pytest.mark.parametrize("command", [["export"], ["fhir", "--out", "-"]])
@pytest.mark.parametrize("exam_id", ["99999999999999999999", "0", "-1", "abc", "１"])
def test_an_exam_id_out_of_range_is_one_line_and_exit_2(record, capsys, command, exam_id):
    folder, _ = record
    code, out, err = run(["--data-dir", str(folder), *command[:1], exam_id, *command[1:]],
                         capsys)
    assert code == 2 and out == ""
    assert "ID" in assert_one_line(err)


@pytest.mark.parametrize("where", ["missing/out.json", "."])
def test_export_to_a_missing_folder_or_a_folder_is_refused_before_it_is_audited(
        record, capsys, tmp_path, where):
    folder, exam_id = record
    before = audit_count(folder)
    out = tmp_path / where
    code, printed, err = run(["--data-dir", str(folder), "export", str(exam_id), "--out",
                              str(out)], capsys)
    assert code == 2 and printed == ""
    assert_one_line(err)
    assert audit_count(folder) == before


def test_export_audits_before_the_document_leaves(record, capsys, monkeypatch):
    folder, exam_id = record
    import desktop_app.record.ward as record_ward

    def refuse_audit(*_args, **_kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(record_ward, "append_audit", refuse_audit)  # the export's own entry
    code, out, err = run(["--data-dir", str(folder), "export", str(exam_id)], capsys)
    assert code == 1
    assert out == ""  # no document printed without its audit entry
    assert "disk is full" in assert_one_line(err)


def test_a_full_disk_at_the_write_is_one_line_and_loses_nothing(record, capsys, monkeypatch,
                                                                  tmp_path):
    folder, exam_id = record
    import desktop_app.paths as paths

    def full(_fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    out = tmp_path / "exam.json"
    out.write_text("the previous export\n")
    monkeypatch.setattr(paths.os, "fsync", full)
    code, printed, err = run(["--data-dir", str(folder), "export", str(exam_id), "--out",
                              str(out)], capsys)
    assert code == 1 and printed == ""
    assert "disk is full" in assert_one_line(err)
    assert out.read_text() == "the previous export\n"  # the old file is whole
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".exam")] == []
    monkeypatch.undo()
    assert run(["--data-dir", str(folder), "export", str(exam_id), "--out", str(out)],
               capsys)[0] == 0
    assert json.loads(out.read_text())["patient"]["mrn"]


def test_an_io_error_in_the_record_is_one_line(record, capsys, monkeypatch):
    folder, _ = record
    import desktop_app.store.exams as store_exams

    def broken(*_args, **_kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store_exams, "import_documents", broken)
    code, out, err = run(["--data-dir", str(folder), "import", str(CASE)], capsys)
    assert code == 1 and out == ""
    assert "disk I/O error" in assert_one_line(err)


def test_an_unexpected_failure_is_one_line_without_its_message(record, capsys, monkeypatch):
    folder, exam_id = record
    import desktop_app.store.exams as store_exams

    def bug(*_args, **_kwargs):
        raise TypeError(f"Zoë Ngô-Ærøe A{1234567}")  # a message may quote patient data

    monkeypatch.setattr(store_exams, "export_document", bug)
    code, out, err = run(["--data-dir", str(folder), "export", str(exam_id)], capsys)
    assert code == 1 and out == ""
    line = assert_one_line(err)
    assert "TypeError" in line and "A1234567" not in line
    log = (folder / "logs" / "neurocheck.log").read_text(encoding="utf-8")
    assert "TypeError" in log and "A1234567" not in log


@POSIX
def test_a_file_size_limit_in_a_real_process_is_one_line(record, tmp_path):
    """The real commands under RLIMIT_FSIZE: the record's write fails (EFBIG) part-way;
    one line, exit 1, and the record keeps what it held."""
    import resource

    folder, exam_id = record
    big = json.loads(CASE.read_text(encoding="utf-8"))
    big["patient"]["mrn"] = "FSIZE-1"
    big["exam"]["not_tested_reasons"] = {
        f"motor.{m}": "r" * 1900 for m in ("hip_flexion", "knee_extension")}
    source = tmp_path / "big.json"
    source.write_text(json.dumps(big))

    def cli(*argv: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
        def set_limit() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a kill
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        signed, stdin = with_sign_in(["--data-dir", str(folder), *argv])
        return subprocess.run(
            [sys.executable, "-m", "desktop_app", *signed], input=stdin,
            capture_output=True, text=True, timeout=60, cwd=ROOT,
            preexec_fn=set_limit if limit else None)

    before = cli("export", str(exam_id))
    # 40 kB: the record opens, its journal cannot grow; 2 kB: not even its shared memory.
    for argv, limit in ((["import", str(source)], 40_000),
                        (["export", str(exam_id), "--out", str(tmp_path / "o.json")], 2048)):
        result = cli(*argv, limit=limit)
        assert result.returncode == 1 and result.stdout == ""
        assert "disk I/O error" in assert_one_line(result.stderr)
    assert not (tmp_path / "o.json").exists()
    assert cli("check").returncode == 0
    after = cli("export", str(exam_id))
    assert after.returncode == 0 and json.loads(after.stdout) == json.loads(before.stdout)
    assert cli("export", "2").returncode == 1  # the big document was not half-saved


@POSIX
def test_a_log_that_cannot_be_written_prints_no_traceback(record, tmp_path):
    import resource

    folder, exam_id = record
    log = folder / "logs" / "neurocheck.log"
    with log.open("a", encoding="utf-8") as handle:
        handle.write("padding\n" * 40_000)  # 320 kB: past the limit below
    limit = 300_000  # the record (about 120 kB) can still be written

    def set_limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    signed, stdin = with_sign_in(["--data-dir", str(folder), "export", str(exam_id)])
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", *signed], input=stdin, capture_output=True,
        text=True, timeout=60, cwd=ROOT, preexec_fn=set_limit)
    assert result.returncode == 0 and result.stderr == ""
    assert json.loads(result.stdout)["format"] == "neuro-exam/1"


@pytest.mark.parametrize("command", [["check"], ["import", str(CASE)], ["export", "1"],
                                     ["backup", "."], ["user", "list"]])
def test_a_data_dir_that_is_a_file_is_one_line_and_exit_2(tmp_path, capsys, command):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    code, out, err = run(["--data-dir", str(not_a_folder), *command], capsys)
    assert code == 2 and out == ""
    assert "not a folder" in assert_one_line(err)


def test_a_data_dir_with_a_nul_character_is_one_line_and_exit_2(capsys):
    code, _out, err = run(["--data-dir", "bad\0name", "check"], capsys)
    assert code == 2 and "NUL" in assert_one_line(err)


@POSIX
def test_backup_into_proc_self_is_one_line_and_exit_2(record, capsys):
    folder, _ = record
    code, out, err = run(["--data-dir", str(folder), "backup", "/proc/self"], capsys)
    assert code == 2 and out == ""
    assert_one_line(err)


def test_backup_into_a_missing_folder_is_one_line_and_exit_2(record, capsys, tmp_path):
    folder, _ = record
    code, _out, err = run(["--data-dir", str(folder), "backup",
                           str(tmp_path / "none" / "b.sqlite")], capsys)
    assert code == 2 and "does not exist" in assert_one_line(err)


def test_a_bad_option_is_one_line(capsys):
    code, out, err = run(["export", "--no-such-option", "1"], capsys)
    assert code == 2 and out == ""
    assert "--help" in assert_one_line(err)


# -- the data folder --------------------------------------------------------------------------

@POSIX
def test_a_folder_neurocheck_creates_is_private(tmp_path, capsys):
    folder = tmp_path / "new" / "data"
    assert run(["--data-dir", str(folder), "import", str(CASE)], capsys)[0] == 0
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@POSIX
@pytest.mark.parametrize("mode", [0o1777, 0o777, 0o755, 0o701])
def test_an_existing_folder_open_to_everyone_is_refused_and_left_as_it_is(tmp_path, capsys,
                                                                           mode):
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, mode)
    code, out, err = run(["--data-dir", str(folder), "import", str(CASE)], capsys)
    assert code == 2 and out == ""
    assert "open to every user" in assert_one_line(err)
    assert stat.S_IMODE(folder.stat().st_mode) == mode  # not silently changed
    assert list(folder.iterdir()) == []  # nothing written into it


@POSIX
@pytest.mark.parametrize("mode", [0o700, 0o750, 0o770])
def test_an_existing_private_or_group_folder_is_used_unchanged(tmp_path, capsys, mode):
    folder = tmp_path / "ward"
    folder.mkdir()
    os.chmod(folder, mode)
    assert run(["--data-dir", str(folder), "import", str(CASE)], capsys)[0] == 0
    assert stat.S_IMODE(folder.stat().st_mode) == mode


# -- output files -----------------------------------------------------------------------------

@POSIX
@pytest.mark.parametrize("planted", [".note.pdf.part", ".note.pdf.partial", "note.pdf"])
def test_the_note_is_never_written_through_a_planted_link(tmp_path, planted):
    from desktop_app.commands.note import _write

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / planted).symlink_to(victim)
    out = tmp_path / "note.pdf"
    _write(str(out), b"%PDF-1.7 note")
    assert victim.read_text() == "keep me"
    assert out.read_bytes() == b"%PDF-1.7 note" and not out.is_symlink()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")
                 and not p.is_symlink()]
    assert leftovers == []


@POSIX
def test_write_private_creates_its_temporary_file_exclusively(tmp_path, monkeypatch):
    import tempfile

    from desktop_app import paths

    made = []
    real = tempfile.mkstemp

    def spy(*args, **kwargs):
        made.append(kwargs.get("dir"))
        return real(*args, **kwargs)

    monkeypatch.setattr(paths.tempfile, "mkstemp", spy)
    paths.write_private(tmp_path / "x.json", b"{}")
    assert made == [tmp_path]


# -- a killed backup --------------------------------------------------------------------------

KILLED_BACKUP = """
import os, signal, sys
from pathlib import Path
import desktop_app.store.backup as backup
from desktop_app.store import open_database

def die(_path):
    os.kill(os.getpid(), signal.SIGKILL)

backup.verify_database_file = die
db = open_database(Path(sys.argv[1]))
backup.backup_database(db, Path(sys.argv[2]))
"""


@POSIX
def test_a_killed_backup_leaves_no_copy_after_the_next_one(record, tmp_path, capsys):
    folder, _ = record
    out = tmp_path / "backups"
    out.mkdir(mode=0o700)
    killed = subprocess.run([sys.executable, "-c", KILLED_BACKUP, str(folder), str(out)],
                            capture_output=True, text=True, timeout=60, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    left = [p for p in out.iterdir() if p.name.endswith(".partial")]
    assert len(left) == 1  # what the kill left behind
    alive = out / f".other.sqlite.{os.getpid()}-0123abcd.partial"  # a backup still running
    alive.write_bytes(b"")
    code, _out, err = run(["--data-dir", str(folder), "backup", str(out)], capsys)
    assert code == 0, err
    names = sorted(p.name for p in out.iterdir())
    assert not left[0].exists() and alive.exists()
    assert len([n for n in names if n.startswith("neurocheck-")]) == 1


@POSIX
def test_a_backup_never_writes_through_a_link_planted_at_its_partial_name(record, tmp_path,
                                                                          capsys, monkeypatch):
    import desktop_app.store.backup as backup

    folder, _ = record
    monkeypatch.setattr(backup.secrets, "token_hex", lambda _n: "0123abcd")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "copy.sqlite"
    (tmp_path / f".copy.sqlite.{os.getpid()}-0123abcd.partial").symlink_to(victim)
    code, _out, err = run(["--data-dir", str(folder), "backup", str(out)], capsys)
    assert code == 2
    assert_one_line(err)
    assert victim.read_text() == "keep me" and not out.exists()


@pytest.mark.parametrize("where", ["missing/note.pdf", "."])
def test_note_to_a_missing_folder_or_a_folder_is_refused_before_signing(tmp_path, capsys,
                                                                         monkeypatch, where):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("a password\n"))
    code, out, err = run(["note", str(CASE), "--user", "nobody", "--password-stdin",
                          "--out", str(tmp_path / where)], capsys)
    assert code == 2 and out == ""
    line = assert_one_line(err)
    assert "sign" not in line  # no signing was tried


@POSIX
@pytest.mark.parametrize("command", ["export", "backup", "fhir"])
def test_a_device_or_pipe_as_the_output_is_refused_and_left_as_it_is(record, tmp_path,
                                                                      capsys, command):
    folder, exam_id = record
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    argv = {"export": ["export", str(exam_id), "--out", str(pipe)],
            "backup": ["backup", str(pipe)],
            "fhir": ["fhir", str(exam_id), "--out", str(pipe)]}[command]
    code, out, err = run(["--data-dir", str(folder), *argv], capsys)
    assert code == 2 and out == ""
    assert "not a regular file" in assert_one_line(err)
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


@POSIX
def test_export_into_a_folder_that_cannot_be_written_names_that_folder(record, capsys):
    folder, exam_id = record
    code, _out, err = run(["--data-dir", str(folder), "export", str(exam_id), "--out",
                           "/proc/self/exam.json"], capsys)
    assert code == 2
    line = assert_one_line(err)
    assert "/proc/self: no file can be written" in line and ".partial" not in line
