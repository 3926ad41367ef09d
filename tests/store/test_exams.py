"""Saving exams: the raw document beside its assessment, in the right episode, once;
import all or nothing; export gives back the very document."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlite_utils import Database

from desktop_app.domain import DocumentError, SchedulePolicy, assess, load_document
from desktop_app.store import (
    Conflict,
    ImportRefused,
    PatientMismatch,
    create_user,
    episode_exams,
    episode_history,
    export_document,
    get_episode,
    get_exam,
    import_documents,
    new_exam_document,
    patient_by_mrn,
    save_exam,
    set_setting,
    ward_entries,
)
from tests.conftest import case_files
from tests.signing_in import run_in_process, run_subprocess
from tests.store.documents import case, document

VALID_CASES = [p for p in case_files()
               if "exit" not in json.loads(p.with_name(p.stem + ".expected.json").read_text())]
INVALID_CASES = [p for p in case_files() if p not in VALID_CASES]


def cli_run(capsys: pytest.CaptureFixture[str], folder: Path, *args: str,
            database: str | None = None) -> tuple[int, str, str]:
    """Run a command in this process (the same code path as the console), signed in, and
    capture it; on the server `database` when given."""
    status = run_in_process(folder, *args, database=database)
    out, err = capsys.readouterr()
    return status, out, err


def count(db: Database, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_the_shared_cases_are_all_there() -> None:
    assert len(VALID_CASES) >= 15 and len(INVALID_CASES) >= 3


@pytest.mark.parametrize("path", VALID_CASES, ids=lambda p: p.stem)
def test_export_then_import_round_trips_every_valid_case(
        path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = json.loads(path.read_text(encoding="utf-8"))
    status, out, err = cli_run(capsys, tmp_path / "first", "import", str(path))
    assert status == 0, err
    exam_id = out.strip()
    exported = tmp_path / "exported.json"
    status, _out, err = cli_run(capsys, tmp_path / "first", "export", exam_id, "--out",
                                str(exported))
    assert status == 0, err
    assert json.loads(exported.read_text(encoding="utf-8")) == original
    # ... and the export, imported elsewhere, is the same document again.
    status, out, err = cli_run(capsys, tmp_path / "second", "import", str(exported))
    assert status == 0, err
    status, out, err = cli_run(capsys, tmp_path / "second", "export", out.strip())
    assert status == 0, err
    assert json.loads(out) == original


def test_the_assessment_is_stored_beside_the_raw_findings(db: Database) -> None:
    raw = case("mbb-weak-5h")
    saved = save_exam(db, raw, actor="nurse1")
    record = get_exam(db, saved.exam_id)
    assert record.document == raw
    assert record.assessment == assess(load_document(raw)).to_json()
    assert record.level == saved.level == "urgent"
    assert record.schedule_policy == SchedulePolicy().to_json()
    assert record.saved_by == "nurse1"


def test_import_is_all_or_nothing_and_names_the_file_and_field(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = VALID_CASES[0], next(p for p in INVALID_CASES if "mrc-6" in p.name)
    status, out, err = cli_run(capsys, folder, "import", str(good), str(bad))
    assert status == 2
    assert out == ""
    assert bad.name in err and "exam.motor.hip_flexion.left" in err
    status, out, _err = cli_run(capsys, folder, "export", "1")
    assert status == 1 and out == ""


def test_a_conflict_late_in_an_import_undoes_the_documents_before_it(db: Database) -> None:
    first = document("IMP-1")
    clash = document("IMP-1", base="mbb-weak-5h")  # same patient, procedure and time
    with pytest.raises(ImportRefused, match="clash.json: episode .* different exam"):
        import_documents(db, [("first.json", first), ("other.json", document("IMP-2")),
                              ("clash.json", clash)], actor="cli")
    assert (count(db, "patients"), count(db, "exams"), count(db, "episodes")) == (0, 0, 0)


@pytest.mark.parametrize("path", INVALID_CASES, ids=lambda p: p.stem)
def test_an_invalid_document_is_refused_before_anything_is_written(
        db: Database, path: Path) -> None:
    audit_before = count(db, "audit_log")
    with pytest.raises(DocumentError):
        save_exam(db, path.read_bytes(), actor="nurse1")
    assert count(db, "exams") == 0 and count(db, "audit_log") == audit_before


def test_importing_the_same_document_twice_stores_it_once(db: Database) -> None:
    first = save_exam(db, document(), actor="a")
    again = save_exam(db, json.dumps(document()), actor="b")
    assert again.exam_id == first.exam_id and not again.created
    assert count(db, "exams") == 1


def test_serial_exams_of_one_procedure_share_an_episode(db: Database) -> None:
    one = save_exam(db, document(exam_hours=1), actor="n")
    two = save_exam(db, document(exam_hours=2), actor="n")
    other_procedure = save_exam(db, document(procedure_at="2026-05-05T08:00:00+01:00"), actor="n")
    assert one.episode_id == two.episode_id != other_procedure.episode_id
    assert [e.id for e in episode_exams(db, one.episode_id)] == [one.exam_id, two.exam_id]


def test_the_board_follows_the_latest_exam_not_the_latest_saved(db: Database) -> None:
    later = save_exam(db, document(exam_hours=5, base="mbb-weak-5h"), actor="n")
    older = save_exam(db, document(exam_hours=1), actor="n")  # imported afterwards
    assert (later.level, older.level) == ("urgent", "observe")
    [row] = ward_entries(db)
    assert (row.last_exam_id, row.level) == (later.exam_id, "urgent")
    assert row.next_check_due == later.next_check_due


def test_another_name_for_a_known_mrn_changes_it_only_as_a_correction(db: Database) -> None:
    save_exam(db, document(name="New Name", exam_hours=3), actor="n")
    with pytest.raises(PatientMismatch, match="New Name.*Old Name"):
        save_exam(db, document(name="Old Name", exam_hours=1), actor="n")
    assert patient_by_mrn(db, "T-0001").name == "New Name"
    save_exam(db, document(name="Newest Name", exam_hours=4), actor="n", correction=True)
    assert patient_by_mrn(db, "T-0001").name == "Newest Name"


def test_a_new_exam_document_carries_the_episodes_history(db: Database) -> None:
    first = document(exam_hours=2, base="mbb-progressive-6h")
    earlier = first["previous_exams"] = case("mbb-progressive-6h")["previous_exams"]
    earlier[0]["performed_at"] = "2026-05-04T09:00:00+01:00"
    saved = save_exam(db, first, actor="n")
    history = episode_history(db, saved.episode_id)
    assert [e["performed_at"] for e in history] == [earlier[0]["performed_at"],
                                                    first["exam"]["performed_at"]]
    weaker = json.loads(json.dumps(first["exam"]))
    weaker["performed_at"] = "2026-05-04T15:00:00+01:00"
    weaker["motor"]["hip_flexion"]["left"] = 2
    new = new_exam_document(db, saved.episode_id, weaker)
    assert new["previous_exams"] == history
    assert new["patient"] == first["patient"] and new["procedure"] == first["procedure"]
    assert save_exam(db, new, actor="n").level == "emergency"  # RF-3: weaker than before


def test_a_new_schedule_policy_moves_the_open_episodes_next_check(db: Database) -> None:
    saved = save_exam(db, document(exam_hours=2), actor="n")  # observe, block: every 30 min
    before = get_episode(db, saved.episode_id).next_check_due
    create_user(db, "admin", full_name="Ada Admin", role="admin", password="admin-pass-1234",
                actor="t")  # only an administrator changes a setting
    set_setting(db, "schedule_policy", {**SchedulePolicy().to_json(),
                                        "block_observe_every_minutes": 20}, actor="admin")
    after = get_episode(db, saved.episode_id).next_check_due
    assert (before - after).total_seconds() == 10 * 60
    assert get_exam(db, saved.exam_id).next_check_due == before  # what the nurse was shown


def test_a_different_exam_at_the_same_moment_is_a_conflict(db: Database) -> None:
    save_exam(db, document(), actor="n")
    with pytest.raises(Conflict, match="correction is an addendum"):
        save_exam(db, document(base="mbb-weak-5h"), actor="n")


def test_the_import_command_prints_one_id_a_line_in_file_order(tmp_path: Path) -> None:
    files = []
    for index in range(3):
        path = tmp_path / f"doc{index}.json"
        path.write_text(json.dumps(document(f"CLI-{index}")), encoding="utf-8")
        files.append(str(path))
    folder = tmp_path / "data"
    result = run_subprocess(folder, "import", *files)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n") == ["1", "2", "3", ""]
    result = run_subprocess(folder, "export", "2", text=False)
    assert json.loads(result.stdout.decode("utf-8")) == document("CLI-1")


def test_export_of_an_unknown_exam_says_so(folder: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = cli_run(capsys, folder, "export", "42")
    assert (status, out) == (1, "") and "no exam with ID 42" in err


def test_the_exported_file_is_readable_by_the_owner_only(
        db: Database, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        engine: str, request: pytest.FixtureRequest) -> None:
    server = request.getfixturevalue("postgres_url") if engine == "postgresql" else None
    saved = save_exam(db, document(), actor="n")
    out = tmp_path / "exam.json"
    status, _out, err = cli_run(capsys, folder, "export", str(saved.exam_id), "--out",
                                str(out), database=server)
    assert status == 0, err
    assert out.stat().st_mode & 0o077 == 0
    assert export_document(db, saved.exam_id) == json.loads(out.read_text(encoding="utf-8"))


def test_the_data_folder_comes_from_the_environment_without_data_dir(tmp_path: Path) -> None:
    folder = tmp_path / "from-env"
    source = tmp_path / "doc.json"
    source.write_text(json.dumps(document("ENV-1")), encoding="utf-8")
    env = {**os.environ, "NEUROCHECK_DATA_DIR": str(folder)}
    result = run_subprocess(folder, "import", str(source), env=env, data_dir=False)
    assert result.returncode == 0, result.stderr
    assert (folder / "neurocheck.sqlite").exists() and (folder / "logs").is_dir()
