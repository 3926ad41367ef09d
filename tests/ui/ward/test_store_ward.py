"""The ward queries of desktop_app/store/ward.py: the board rows, the change counter, the
audit search and CSV, the emergency account."""

from __future__ import annotations

import csv
import io
import stat
from datetime import timedelta

import pytest

from desktop_app.store import (
    InvalidValue,
    PermissionDenied,
    close_episode,
    connect,
    create_user,
    disable_user,
    save_exam,
)
from desktop_app.store.database import database_path, utc_now
from desktop_app.store.demo import Check, _block, scenario_documents
from desktop_app.store.ward import (
    WardReader,
    audit_csv,
    break_glass_account,
    data_version,
    export_audit_csv,
    record_access,
    record_patient_view,
    search_audit,
    set_break_glass_account,
    ward_entries,
)
from tests.ui.ward.conftest import add_episode, calm_block, calm_im, weak_block


def test_ward_entries_carry_flags_site_and_levels_next_check_first(db):
    calm = add_episode(db, 0, calm_block(1.0, 0.9))  # due in ~24 min
    weak = add_episode(db, 1, weak_block(6.0, 5.0))  # urgent, due 45 min ago
    injection = add_episode(db, 2, calm_im(3.0, 1.0))  # due at the 24 h mark
    entries = ward_entries(db)
    assert [e.episode_id for e in entries] == [weak, calm, injection]
    by_id = {e.episode_id: e for e in entries}
    assert by_id[weak].level == "urgent"
    assert by_id[weak].flags == ("do_not_discharge", "no_mobilization")
    assert by_id[weak].block_levels == ("L4-L5", "L5-S1")
    assert by_id[injection].site == "ventrogluteal" and by_id[injection].side == "left"
    assert by_id[calm].flags == ()
    now = utc_now()
    assert by_id[weak].overdue(now) and not by_id[calm].overdue(now)
    assert by_id[calm].name == "Ana Souza" and by_id[calm].location == "Bed 1"


def test_the_reader_follows_a_new_exam_and_a_closed_episode(db):
    reader = WardReader(db)
    first, second = scenario_documents(
        _block(6.0, Check(3.0), Check(5.0, changes={"motor.knee_extension.left": 4})), 0,
        utc_now())
    episode = save_exam(db, first, actor="nurse").episode_id
    assert [(e.level, e.flags) for e in reader.entries()] == [("observe", ())]
    save_exam(db, second, actor="nurse")  # weaker than before, past 4 h: RF-3
    assert [(e.level, e.flags) for e in reader.entries()] == [
        ("emergency", ("do_not_discharge", "no_mobilization"))]
    close_episode(db, episode, actor="clinician", note="recovered")
    assert reader.entries() == []


def test_data_version_moves_when_another_connection_commits(db, folder):
    before = data_version(db)
    other = connect(database_path(folder), create=False)
    try:
        record_access(other, actor="nurse", action="patient.view")
    finally:
        other.close()
    assert data_version(db) != before


def test_a_patient_view_is_audited_by_record_id_only(db):
    episode = add_episode(db, 0, calm_block(2.0, 1.0))
    record_patient_view(db, episode, actor="nurse", via="serial_view")
    entry = search_audit(db, action="patient.view")[0]
    assert entry.actor == "nurse" and entry.record_table == "patients"
    assert entry.detail == {"episode_id": episode, "via": "serial_view"}
    assert "Ana" not in str(entry) and "DEMO" not in str(entry)


def test_search_audit_filters(db):
    record_access(db, actor="nurse", action="session.lock", detail={"why": "idle"})
    record_access(db, actor="Nurse2", action="session.unlock")
    record_access(db, actor="nurse", action="patient.view", table="patients", record_id=7)
    assert [e.action for e in search_audit(db, actor="NURSE")] == ["patient.view",
                                                                    "session.lock"]
    assert {e.action for e in search_audit(db, action="session.")} == {"session.lock",
                                                                       "session.unlock"}
    assert [e.record_id for e in search_audit(db, table="patients", record_id=7)] == [7]
    assert search_audit(db, since=utc_now() + timedelta(minutes=1)) == []
    assert len(search_audit(db, until=utc_now() + timedelta(minutes=1), limit=2)) == 2


def test_audit_csv_is_safe_to_open_in_a_spreadsheet(db, tmp_path):
    record_access(db, actor="=cmd|' /C calc'!A0", action="session.lock")
    entries = search_audit(db, action="session.lock")
    rows = list(csv.reader(io.StringIO(audit_csv(entries))))
    assert rows[0] == ["id", "at", "actor", "action", "record_table", "record_id", "detail"]
    assert rows[1][2].startswith("'=")
    path = tmp_path / "audit.csv"
    assert export_audit_csv(db, entries, path, actor="admin") == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"\xef\xbb\xbfid,at,actor")
    assert search_audit(db, action="audit.export")[0].detail == {"entries": 1, "filters": {}}


def test_the_emergency_account_is_set_by_an_administrator_only(db):
    assert break_glass_account(db) is None
    with pytest.raises(PermissionDenied):
        set_break_glass_account(db, "emergency", actor="nurse")
    with pytest.raises(InvalidValue):
        set_break_glass_account(db, "admin", actor="admin")  # never an administrator's
    create_user(db, "leaver", full_name="Leaver", role="nurse", password="long password",
                actor="admin")
    disable_user(db, "leaver", actor="admin")
    with pytest.raises(InvalidValue):
        set_break_glass_account(db, "leaver", actor="admin")
    set_break_glass_account(db, "EMERGENCY", actor="admin")
    assert break_glass_account(db) == "emergency"
    set_break_glass_account(db, None, actor="admin")
    assert break_glass_account(db) is None
    assert search_audit(db, action="setting.change")[0].detail == {"key": "break_glass_account"}
