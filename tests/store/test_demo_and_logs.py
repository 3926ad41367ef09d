"""The demo ward, and a realistic day on it after which no log file holds a patient
identifier (MRN, name, birth date)."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import types
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.domain import SchedulePolicy, assess, load_document
from desktop_app.logging_setup import setup_logging
from desktop_app.store import (
    AuthenticationFailed,
    Conflict,
    authenticate,
    close_episode,
    open_database,
    record_escalation,
    save_draft,
    save_exam,
    search_patients,
    ward_entries,
)
from desktop_app.store.database import utc_now
from desktop_app.store.demo import NAMES, PASSWORD
from tests.signing_in import run_subprocess
from tests.store.test_exams import INVALID_CASES, VALID_CASES


def cli(folder: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop_app", "--data-dir", str(folder), *args],
                          input=stdin, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder filled by the `demo` command (once for this module: it issues keys)."""
    pytest.importorskip("desktop_app.report.pki")  # the demo users get signing keys
    folder = tmp_path_factory.mktemp("demo") / "data"
    result = cli(folder, "demo")
    assert result.returncode == 0, result.stderr
    assert "30 open" in result.stdout
    return folder


def test_the_demo_ward_is_real_varied_and_partly_overdue(demo_folder: Path) -> None:
    db = open_database(demo_folder)
    board = ward_entries(db)
    assert 25 <= len(board) <= 35
    assert {r.procedure_kind for r in board} == {"im_injection", "medial_branch_block"}
    assert set(Counter(r.level for r in board)) == {"observe", "notify", "urgent", "emergency"}
    assert 1 <= sum(r.overdue(utc_now()) for r in board) < len(board) / 2
    assert all(r.location and r.location.startswith("Bed ") for r in board)
    per_episode = Counter(r[0] for r in db.execute("SELECT episode_id FROM exams"))
    assert max(per_episode.values()) >= 3  # serial exams
    for document, assessment, policy in db.execute(
            "SELECT document, assessment, schedule_policy FROM exams"):
        # Each stored assessment is what the protocol makes of the stored document.
        again = assess(load_document(json.loads(document)),
                       SchedulePolicy.from_json(json.loads(policy))).to_json()
        assert again == json.loads(assessment)
    assert db.execute("SELECT count(*) FROM escalations").fetchone()[0] >= 5
    assert authenticate(db, "nurse", PASSWORD).role == "nurse"
    db.close()
    again = cli(demo_folder, "demo")  # a second run leaves the demo ward as it is
    assert again.returncode == 0 and "already holds the demo ward" in again.stdout


def test_demo_launch_opens_the_application_on_the_demo_folder(
        demo_folder: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    opened = []
    gui = types.ModuleType("desktop_app.ui.app")
    gui.run_gui = lambda args: opened.append(args.data_dir) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "desktop_app.ui.app", gui)
    assert main(["--data-dir", str(demo_folder), "demo", "--launch"]) == 0
    assert opened == [str(demo_folder)]
    assert "Sign in as" in capsys.readouterr().out


def test_the_demo_refuses_a_folder_with_real_data(folder: Path) -> None:
    db = open_database(folder)
    save_exam(db, json.loads(VALID_CASES[0].read_text(encoding="utf-8")), actor="n")
    db.close()
    result = cli(folder, "demo")
    assert result.returncode == 1 and "not empty" in result.stderr


def identifiers() -> set[str]:
    """Every MRN, name, name word and birth date the flow below puts into the record."""
    found: set[str] = set()
    people = [(None, name, birth) for name, birth in NAMES]
    for path in VALID_CASES + INVALID_CASES:
        try:
            patient = json.loads(path.read_text(encoding="utf-8"))["patient"]
        except (ValueError, KeyError):
            continue
        people.append((patient.get("mrn"), patient.get("name"), patient.get("birth_date")))
    for mrn, name, birth in people:
        found |= {value for value in (mrn, name, birth) if value}
        found |= {word for word in (name or "").replace("-", " ").split() if len(word) >= 4}
    found |= {f"DEMO-{1001 + index}" for index in range(len(NAMES))}
    return found


def test_no_patient_identifier_reaches_a_log_file(demo_folder: Path, tmp_path: Path) -> None:
    # A day on the demo ward, in this process (as the application) and by the commands.
    setup_logging(demo_folder)
    db = open_database(demo_folder)
    for path in VALID_CASES:
        with contextlib.suppress(Conflict):  # some cases are other findings of one exam
            save_exam(db, path.read_bytes(), actor="nurse")
    with pytest.raises(ValueError):
        save_exam(db, INVALID_CASES[0].read_bytes(), actor="nurse")
    assert search_patients(db, "souza") and search_patients(db, "MRN-0042")
    draft = save_draft(db, {"patient": {"mrn": "DEMO-1001", "name": NAMES[0][0]}}, user="nurse")
    board = ward_entries(db)
    record_escalation(db, board[0].episode_id, role="anaesthetist", name="Dr. A. Okoye",
                      called_at=utc_now() - timedelta(minutes=1), actor="nurse")
    close_episode(db, board[-1].episode_id, actor="clinician")
    with pytest.raises(AuthenticationFailed):
        authenticate(db, "nurse", "wrong password")
    db.close()
    bad_mrn = tmp_path / "bad-mrn.json"
    document = json.loads(VALID_CASES[0].read_text(encoding="utf-8"))
    document["patient"]["mrn"] = "DEMO 1001 Souza"  # refused, and quoted on stderr only
    bad_mrn.write_text(json.dumps(document), encoding="utf-8")
    assert run_subprocess(demo_folder, "import", str(bad_mrn)).returncode == 2
    assert run_subprocess(demo_folder, "import", str(VALID_CASES[1])).returncode == 0
    assert run_subprocess(demo_folder, "export", "1", "--out",
                          str(tmp_path / "e.json")).returncode == 0
    assert run_subprocess(demo_folder, "backup", str(tmp_path / "b.sqlite")).returncode == 0
    assert cli(demo_folder, "check").returncode == 0
    assert run_subprocess(demo_folder, "user", "list").returncode == 0
    assert draft

    logs = list((demo_folder / "logs").glob("neurocheck.log*"))
    text = "\n".join(p.read_text(encoding="utf-8") for p in logs)
    assert "exam" in text and "import of 1 document(s) committed" in text  # logs were written
    leaked = sorted(value for value in identifiers() if value in text)
    assert leaked == []
    for path in logs:
        assert path.stat().st_mode & 0o077 == 0
