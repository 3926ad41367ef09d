"""The record's operations, without Qt: each refuses the wrong role, audits exactly one
action of the vocabulary, and leaves nothing half-written when it fails mid-way."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app import record
from desktop_app.record import accounts, actions
from desktop_app.record.auth import LOCK_AFTER_FAILURES, sign_in
from desktop_app.report import pki
from desktop_app.report.samples import sample_raw
from desktop_app.store import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    InvalidValue,
    NotFound,
    PermissionDenied,
    exam_notes,
    get_setting,
    get_user,
    set_setting,
)
from desktop_app.store.database import utc_now
from desktop_app.store.errors import StoreError
from tests.record.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    CLINICIAN,
    CLINICIAN_PASSWORD,
    NURSE,
    NURSE_PASSWORD,
    Ward,
)


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(ward: Ward) -> None:
    for _ in range(LOCK_AFTER_FAILURES):
        with pytest.raises(AuthenticationFailed):
            sign_in(ward.db, NURSE, "not the password")
    with pytest.raises(AccountLocked):
        sign_in(ward.db, NURSE, NURSE_PASSWORD)
    later = utc_now() + timedelta(minutes=16)
    assert sign_in(ward.db, NURSE, NURSE_PASSWORD, now=later).failed_attempts == 0


def test_sign_exam_stores_the_note_locks_the_exam_and_audits_note_sign(ward: Ward) -> None:
    mark = len(ward.actions())
    signed = record.sign_exam(ward.db, ward.folder, ward.exam_id, NURSE, NURSE_PASSWORD)
    assert [n.id for n in exam_notes(ward.db, ward.exam_id)] == [signed.note_row_id]
    assert ward.actions_since(mark) == ["user.sign_in", "note.sign"]
    with pytest.raises(record.AlreadySigned):
        record.sign_exam(ward.db, ward.folder, ward.exam_id, NURSE, NURSE_PASSWORD)
    assert len(exam_notes(ward.db, ward.exam_id)) == 1


def test_signing_with_a_wrong_password_stores_nothing(ward: Ward) -> None:
    with pytest.raises(AuthenticationFailed):
        record.sign_exam(ward.db, ward.folder, ward.exam_id, NURSE, "wrong password!")
    assert exam_notes(ward.db, ward.exam_id) == []
    assert "note.sign" not in ward.actions()


def test_an_addendum_to_an_unknown_note_is_refused(ward: Ward) -> None:
    with pytest.raises(NotFound):
        record.add_addendum(ward.db, ward.folder, "NC-20990101-NOSUCHNO", "Correction.", NURSE,
                            NURSE_PASSWORD)
    with pytest.raises(NotFound):
        record.add_addendum(ward.db, ward.folder, 4242, "Correction.", NURSE, NURSE_PASSWORD)
    assert "addendum.sign" not in ward.actions()


def test_an_addendum_by_printed_note_id_is_stored_and_audited_once(ward: Ward) -> None:
    signed = record.sign_exam(ward.db, ward.folder, ward.exam_id, NURSE, NURSE_PASSWORD)
    mark = len(ward.actions())
    added = record.add_addendum(ward.db, ward.folder, signed.note_id, "L5 re-tested.",
                                CLINICIAN, CLINICIAN_PASSWORD)
    assert added.addendum_id is not None and added.note_row_id == signed.note_row_id
    assert ward.actions_since(mark) == ["user.sign_in", "addendum.sign"]


def test_only_an_administrator_changes_settings_in_the_layer_and_in_the_store(ward: Ward) -> None:
    nurse = sign_in(ward.db, NURSE, NURSE_PASSWORD)
    with pytest.raises(PermissionDenied):
        record.change_settings(ward.db, nurse, {"ward_name": "Ward 9"})
    with pytest.raises(PermissionDenied):  # the store's write refuses too, whoever calls it
        set_setting(ward.db, "ward_name", "Ward 9", actor=NURSE)
    admin = sign_in(ward.db, ADMIN, ADMIN_PASSWORD)
    mark = len(ward.actions())
    record.change_settings(ward.db, admin, {"ward_name": "Ward 7B"})
    assert get_setting(ward.db, "ward_name") == "Ward 7B"
    assert ward.actions_since(mark) == ["setting.change"]


def test_settings_change_all_or_nothing(ward: Ward) -> None:
    admin = sign_in(ward.db, ADMIN, ADMIN_PASSWORD)
    with pytest.raises(InvalidValue):
        record.change_settings(ward.db, admin, {"ward_name": "Ward 7B", "paper_size": "A3"})
    assert get_setting(ward.db, "ward_name") == ""


def test_the_emergency_account_is_set_with_the_settings_all_or_nothing(ward: Ward) -> None:
    from desktop_app.store.ward import break_glass_account

    nurse = sign_in(ward.db, NURSE, NURSE_PASSWORD)
    with pytest.raises(PermissionDenied):
        record.change_settings(ward.db, nurse, {}, emergency_account=NURSE)
    admin = sign_in(ward.db, ADMIN, ADMIN_PASSWORD)
    with pytest.raises(InvalidValue):  # an administrator's account is never the emergency one
        record.change_settings(ward.db, admin, {"ward_name": "Ward 7B"}, emergency_account=ADMIN)
    assert (get_setting(ward.db, "ward_name"), break_glass_account(ward.db)) == ("", None)
    mark = len(ward.actions())
    record.change_settings(ward.db, admin, {"ward_name": "Ward 7B"}, emergency_account=NURSE)
    assert (get_setting(ward.db, "ward_name"), break_glass_account(ward.db)) == ("Ward 7B", NURSE)
    assert ward.actions_since(mark) == ["setting.change", "setting.change"]
    record.change_settings(ward.db, admin, {"ward_name": "Ward 7C"})  # the account stays
    assert break_glass_account(ward.db) == NURSE
    record.change_settings(ward.db, admin, {}, emergency_account="")  # none
    assert break_glass_account(ward.db) is None


@pytest.mark.parametrize("operation", ["add", "disable", "reset", "enable", "reissue"])
def test_account_operations_refuse_anyone_but_an_administrator(ward: Ward,
                                                               operation: str) -> None:
    as_nurse = {"admin_name": NURSE, "admin_password": NURSE_PASSWORD}
    calls = {
        "add": lambda: accounts.add_user(ward.db, ward.folder, "new.nurse", full_name="New",
                                         role="nurse", password="a-long-passphrase",
                                         **as_nurse),
        "disable": lambda: accounts.disable_user(ward.db, ward.folder, CLINICIAN, **as_nurse),
        "reset": lambda: accounts.reset_password(ward.db, ward.folder, CLINICIAN,
                                                 "a-long-passphrase", **as_nurse),
        "enable": lambda: accounts.enable_user(ward.db, ward.folder, CLINICIAN,
                                               "a-long-passphrase", **as_nurse),
        "reissue": lambda: accounts.reissue_key(ward.db, ward.folder, CLINICIAN,
                                                CLINICIAN_PASSWORD, **as_nurse),
    }
    mark = len(ward.actions())
    with pytest.raises(PermissionDenied, match="administrator"):
        calls[operation]()
    assert set(ward.actions_since(mark)) <= {"user.sign_in"}


def test_disable_revokes_the_key_and_enable_gives_a_new_one(ward: Ward) -> None:
    old = pki.load_signer(ward.keys, NURSE, NURSE_PASSWORD).certificate
    mark = len(ward.actions())
    accounts.disable_user(ward.db, ward.folder, NURSE, admin_name=ADMIN,
                          admin_password=ADMIN_PASSWORD)
    assert ward.actions_since(mark) == ["user.sign_in", "user.disable"]
    # On a server the revocation list is a row of the record, written in the admin's name.
    assert ward.key_writes_since(mark) == (
        [(ADMIN, "key.write", "authority/revoked.crl")] if ward.on_server else [])
    assert pki.revoked_at(ward.keys, old) is not None
    with pytest.raises(AccountDisabled):
        sign_in(ward.db, NURSE, NURSE_PASSWORD)
    with pytest.raises(pki.SigningError, match="revoked"):
        pki.load_signer(ward.keys, NURSE, NURSE_PASSWORD)
    mark = len(ward.actions())
    accounts.enable_user(ward.db, ward.folder, NURSE, "a-new-passphrase-2",
                         admin_name=ADMIN, admin_password=ADMIN_PASSWORD)
    assert ward.actions_since(mark) == ["user.sign_in", "user.enable"]
    new = pki.load_signer(ward.keys, NURSE, "a-new-passphrase-2").certificate
    assert new.serial_number != old.serial_number
    assert pki.revoked_at(ward.keys, new) is None


def test_reset_password_clears_a_lock_out_and_rekeys(ward: Ward) -> None:
    for _ in range(LOCK_AFTER_FAILURES):
        with pytest.raises(AuthenticationFailed):
            sign_in(ward.db, NURSE, "forgotten it")
    old = pki.load_signer(ward.keys, NURSE, NURSE_PASSWORD).certificate
    mark = len(ward.actions())
    accounts.reset_password(ward.db, ward.folder, NURSE, "a-fresh-passphrase",
                            admin_name=ADMIN, admin_password=ADMIN_PASSWORD)
    assert ward.actions_since(mark) == ["user.sign_in", "user.password_reset"]
    if ward.on_server:  # the old key retired, a new one written, all in the admin's name
        written = ward.key_writes_since(mark)
        assert {actor for actor, _action, _name in written} == {ADMIN}
        retired = [name for _actor, action, name in written if action == "key.retire"]
        assert sorted(retired) == ["users/nurse/certificate.pem", "users/nurse/key.json",
                                   "users/nurse/key.pem"]
    assert sign_in(ward.db, NURSE, "a-fresh-passphrase").name == NURSE
    assert pki.revoked_at(ward.keys, old) is not None
    pki.load_signer(ward.keys, NURSE, "a-fresh-passphrase")


def test_a_disabled_account_gets_no_fresh_key_by_a_reset(ward: Ward) -> None:
    from desktop_app.store import Conflict

    accounts.disable_user(ward.db, ward.folder, NURSE, admin_name=ADMIN,
                          admin_password=ADMIN_PASSWORD)
    with pytest.raises(Conflict, match="enable the account"):
        accounts.reset_password(ward.db, ward.folder, NURSE, "a-fresh-passphrase",
                                admin_name=ADMIN, admin_password=ADMIN_PASSWORD)
    with pytest.raises(pki.SigningError, match="revoked"):
        pki.load_signer(ward.keys, NURSE, NURSE_PASSWORD)


def test_change_own_password_reseals_the_key(ward: Ward) -> None:
    mark = len(ward.actions())
    accounts.change_own_password(ward.db, ward.folder, NURSE, NURSE_PASSWORD,
                                 "my-own-new-passphrase")
    assert ward.actions_since(mark) == ["user.sign_in", "user.password_change"]
    assert sorted(ward.key_writes_since(mark)) == (
        [(NURSE, "key.write", "users/nurse/key.json"),
         (NURSE, "key.write", "users/nurse/key.pem")] if ward.on_server else [])
    pki.load_signer(ward.keys, NURSE, "my-own-new-passphrase")
    with pytest.raises(AuthenticationFailed):
        sign_in(ward.db, NURSE, NURSE_PASSWORD)


@pytest.mark.parametrize(("password", "problem"), [
    ("short-one", "at least 12"),
    ("password1234", "common passwords"),
    ("Qwerty123456", "common passwords"),
    ("new.nurse.one", "user name"),
])
def test_password_rules(ward: Ward, password: str, problem: str) -> None:
    with pytest.raises(InvalidValue, match=problem):
        accounts.add_user(ward.db, ward.folder, "new.nurse.one", full_name="New Nurse",
                          role="nurse", password=password, admin_name=ADMIN,
                          admin_password=ADMIN_PASSWORD)
    with pytest.raises(NotFound):
        get_user(ward.db, "new.nurse.one")


def test_a_key_that_cannot_be_issued_leaves_no_account(ward: Ward, monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise pki.PkiError("disk full")

    monkeypatch.setattr(pki, "enrol_user", broken)
    mark = len(ward.actions())
    with pytest.raises(accounts.SigningKeyError):
        accounts.add_user(ward.db, ward.folder, "new.nurse", full_name="New Nurse",
                          role="nurse", password="a-long-passphrase", admin_name=ADMIN,
                          admin_password=ADMIN_PASSWORD)
    with pytest.raises(NotFound):
        get_user(ward.db, "new.nurse")
    assert "user.create" not in ward.actions_since(mark)


def test_a_revocation_that_fails_leaves_the_account_enabled(ward: Ward, monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise pki.PkiError("disk full")

    monkeypatch.setattr(pki, "revoke_user_key", broken)
    with pytest.raises(accounts.SigningKeyError):
        accounts.disable_user(ward.db, ward.folder, NURSE, admin_name=ADMIN,
                              admin_password=ADMIN_PASSWORD)
    assert not get_user(ward.db, NURSE).disabled
    assert "user.disable" not in ward.actions()


def test_restore_needs_an_administrator_and_is_audited_in_the_restored_record(
        ward: Ward, tmp_path: Path) -> None:
    from desktop_app.store import open_database

    nurse = sign_in(ward.db, NURSE, NURSE_PASSWORD)
    written, _report = record.backup(ward.db, nurse, tmp_path / "b.sqlite")
    assert ward.actions()[-1] == "record.backup"
    with pytest.raises(PermissionDenied):
        record.restore(ward.folder, nurse, written)
    admin = sign_in(ward.db, ADMIN, ADMIN_PASSWORD)
    ward.db.close()
    record.restore(ward.folder, admin, written)
    ward.db = open_database(ward.folder)
    last = ward.db.execute("SELECT actor, action FROM audit_log ORDER BY id DESC LIMIT 1")
    assert last.fetchone() == (ADMIN, "record.restore")


def test_every_action_written_anywhere_is_in_the_vocabulary() -> None:
    import re

    root = Path(__file__).resolve().parents[2] / "desktop_app"
    written: set[str] = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        written |= set(re.findall(r'action="([a-z_]+\.[a-z_.]+)"', text))
        written |= set(re.findall(r'^[A-Z_]+ = "([a-z_]+\.[a-z_.]+)"$', text, re.M))
    # Constants that are file names, not audit actions.
    written = {name for name in written
               if not name.endswith((".pem", ".json", ".crl", ".log", ".sqlite"))}
    assert written, "the scan found no audit actions at all"
    assert written <= set(actions.ACTIONS), sorted(written - set(actions.ACTIONS))


def test_the_readme_lists_the_whole_vocabulary() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [name for name in actions.ACTIONS if f"| `{name}` |" not in readme]
    assert missing == []


def test_a_ward_record_offers_the_operations_as_methods(ward: Ward) -> None:
    from desktop_app.store.opening import open_record, record_address

    address = record_address(ward.db)
    server = address if isinstance(address, str) else None  # the test's database, if any
    ward.db.close()
    with record.WardRecord.open(ward.folder, database=server) as opened:
        signed = opened.sign_exam(ward.exam_id, NURSE, NURSE_PASSWORD)
        assert [n.id for n in exam_notes(opened.db, ward.exam_id)] == [signed.note_row_id]
        admin = opened.sign_in(ADMIN, ADMIN_PASSWORD)
        opened.change_settings(admin, {"institution": "St Elsewhere"})
        assert get_setting(opened.db, "institution") == "St Elsewhere"
    ward.db = open_record(ward.folder, database=server)


def test_the_audit_log_export_is_an_administrators_audited_once_before_the_file(
        ward: Ward, tmp_path: Path) -> None:
    from desktop_app.store.ward import search_audit

    entries = search_audit(ward.db)
    target = tmp_path / "audit.csv"
    for name in (NURSE, CLINICIAN):
        mark = len(ward.actions())
        with pytest.raises(PermissionDenied):
            record.export_audit_log(ward.db, get_user(ward.db, name), entries, target)
        assert ward.actions_since(mark) == [] and not target.exists()
    mark = len(ward.actions())
    count = record.export_audit_log(ward.db, get_user(ward.db, ADMIN), entries, target,
                                    filters={"action": "note."})
    assert count == len(entries) and target.read_text(encoding="utf-8-sig").startswith("id,")
    assert ward.actions_since(mark) == [actions.AUDIT_EXPORT]
    [entry] = search_audit(ward.db, action=actions.AUDIT_EXPORT)
    assert entry.detail == {"entries": len(entries), "filters": {"action": "note."}}


def test_the_workstation_writes_as_whoever_is_signed_in_there(ward: Ward) -> None:
    """A `WardRecord` shared by a workstation's windows: nobody before sign-in (the record
    refuses to write for nobody), then the signed-in account, read afresh each time."""
    from desktop_app.record import WardRecord

    record = WardRecord(ward.db, ward.folder)
    assert record.signed_in == ""
    with pytest.raises(NotFound):
        record.signed_in_user()
    record.signed_in = NURSE
    document = sample_raw("normal")
    document["patient"]["mrn"] = "WS-1"
    record.save_draft("draft-ws-1", {"format": "x"})
    saved = record.finish_exam(record.signed_in_user(), document, draft_id="draft-ws-1")
    assert record.pending_drafts() == []  # the draft went with the exam, in one step
    assert [d.saved_by for d in record.episode_exams(saved.episode_id)] == [NURSE]
    assert saved.episode_id in {entry.episode_id for entry in record.open_episodes()}

    accounts.disable_user(ward.db, ward.folder, NURSE, admin_name=ADMIN,
                          admin_password=ADMIN_PASSWORD)
    with pytest.raises(StoreError, match="disabled"):
        record.finish_exam(record.signed_in_user(), dict(document, exam=dict(
            document["exam"], performed_at="2026-05-04T11:00:00+01:00")))


def test_the_keys_are_kept_where_the_record_is_and_any_workstation_signs_there(
        ward: Ward, engine: str, tmp_path: Path) -> None:
    """A record on a server keeps its signing keys itself: no key file in any folder, and a
    second workstation, with an empty data folder of its own, signs as the nurse. An
    embedded record keeps them in its data folder's pki/, as before."""
    from desktop_app.store.keys import RecordKeyFiles

    kept = RecordKeyFiles(ward.db).names()
    if engine == "postgresql":
        assert not (ward.folder / "pki").exists()
        assert {"authority/certificate.pem", "authority/key.pem", "authority/admins.json",
                f"users/{NURSE}/key.pem", f"users/{NURSE}/certificate.pem"} <= set(kept)
        other_workstation = tmp_path / "workstation-2"
        other_workstation.mkdir(mode=0o700)
        signed = record.sign_exam(ward.db, other_workstation, ward.exam_id, NURSE,
                                  NURSE_PASSWORD)
        assert list(other_workstation.iterdir()) == []  # nothing written beside it
    else:
        assert kept == []
        assert pki.user_has_key(ward.folder, NURSE)
        signed = record.sign_exam(ward.db, ward.folder, ward.exam_id, NURSE, NURSE_PASSWORD)
    assert [n.id for n in exam_notes(ward.db, ward.exam_id)] == [signed.note_row_id]
    # the key material holds no password and no private key in the clear
    for name in kept:
        content = RecordKeyFiles(ward.db).read(name)
        assert NURSE_PASSWORD.encode() not in content and ADMIN_PASSWORD.encode() not in content
        assert b"BEGIN PRIVATE KEY" not in content and b"BEGIN EC PRIVATE KEY" not in content
