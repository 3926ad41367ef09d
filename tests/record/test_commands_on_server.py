"""The commands on a ward record on a PostgreSQL server (--database URL, or
$NEUROCHECK_DATABASE): the same sign-in, audit and check; backup and restore are the
server's; nothing is written to the data folder's own record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.report.samples import sample_raw
from desktop_app.store import database_path
from tests.record.conftest import ADMIN, ADMIN_PASSWORD, NURSE, NURSE_PASSWORD, Ward, run_cli


@pytest.mark.parametrize("engine", ["postgresql"])
def test_the_commands_work_on_a_record_on_a_server(
        ward: Ward, engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys,
        request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("postgres_url")  # the database the ward fixture opened
    document = tmp_path / "doc.json"
    raw = sample_raw("normal")
    document.write_text(json.dumps(raw), encoding="utf-8")
    status, out, err = run_cli(monkeypatch, capsys, ward.folder, "--database", url, "import",
                               str(document), "--user", NURSE, "--password-stdin",
                               stdin=f"{NURSE_PASSWORD}\n")
    assert status == 0, err
    exam_id = int(out.strip())
    [(actor,)] = ward.db.execute("SELECT actor FROM audit_log WHERE action = 'exam.save' "
                                 "AND record_id = ?", [exam_id]).fetchall()
    assert actor == NURSE

    monkeypatch.setenv("NEUROCHECK_DATABASE", url)
    exported = tmp_path / "exam.json"
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, "export", str(exam_id),
                                "--out", str(exported), "--user", NURSE, "--password-stdin",
                                stdin=f"{NURSE_PASSWORD}\n")
    assert status == 0, err
    assert json.loads(exported.read_text(encoding="utf-8"))["patient"] == raw["patient"]
    status, out, err = run_cli(monkeypatch, capsys, ward.folder, "check")
    assert status == 0 and out.startswith("OK"), err
    # backup: a portable copy, the whole record as an embedded file, verified in full
    copy = tmp_path / "copy.sqlite"
    status, out, err = run_cli(monkeypatch, capsys, ward.folder, "backup", str(copy),
                               "--user", ADMIN, "--password-stdin",
                               stdin=f"{ADMIN_PASSWORD}\n")
    assert status == 0, err
    assert "Verified" in out and copy.is_file()
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, "restore", str(copy),
                                "--user", ADMIN, "--password-stdin",
                                stdin=f"{ADMIN_PASSWORD}\n")
    assert status == 1 and "by the server" in err, err
    assert not database_path(ward.folder).exists()


@pytest.mark.parametrize(("url", "said"), [
    ("postgresql://nurse:Secret-Pass-1@localhost/ward", "password file"),
    ("postgresql://nurse@ward-server.hospital.example/ward", "sslmode=verify-full"),
    ("postgresql://nurse@ward-server.hospital.example/ward?sslmode=require",
     "sslmode=verify-full"),
])
def test_a_server_address_that_would_leak_the_password_or_trust_the_network_is_refused(
        url: str, said: str, private_data_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys) -> None:
    """Refused before any connection is tried, in one line that does not repeat the
    address, and nothing is written to the data folder's own record."""
    status, out, err = run_cli(monkeypatch, capsys, private_data_dir, "--database", url,
                               "export", "1", "--user", NURSE, "--password-stdin",
                               stdin=f"{NURSE_PASSWORD}\n")
    assert status == 1 and out == ""
    assert said in err and "Secret-Pass-1" not in err and len(err.strip().splitlines()) == 1
    assert not database_path(private_data_dir).exists()


def test_the_demo_ward_fills_an_empty_record_on_a_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys,
        request: pytest.FixtureRequest) -> None:
    from desktop_app.store.opening import open_postgres

    url = request.getfixturevalue("postgres_url")
    folder = tmp_path / "workstation"
    status, out, err = run_cli(monkeypatch, capsys, folder, "--database", url, "demo")
    assert status == 0, err
    db = open_postgres(url)
    try:
        from desktop_app.store.demo import holds_demo_only
        from desktop_app.store.keys import RecordKeyFiles

        assert holds_demo_only(db) is True
        assert db.execute("SELECT count(*) FROM exams").fetchone()[0] > 0
        assert "authority/certificate.pem" in RecordKeyFiles(db).names()
    finally:
        db.close()
    assert not (folder / "pki").exists()
    assert not database_path(folder).exists()  # nothing in the workstation's own record


@pytest.mark.parametrize("engine", ["postgresql"])
def test_a_note_signed_at_one_workstation_verifies_at_another_until_its_key_is_revoked(
        ward: Ward, engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys,
        request: pytest.FixtureRequest) -> None:
    """The keys are in the server's record: one workstation signs, another (an empty data
    folder of its own) verifies against the authority and the revocation list the record
    keeps; once the nurse's account is disabled, her key is reported revoked there."""
    monkeypatch.setenv("NEUROCHECK_DATABASE", request.getfixturevalue("postgres_url"))
    first, second = tmp_path / "workstation-1", tmp_path / "workstation-2"
    note = tmp_path / "note.pdf"
    status, _out, err = run_cli(monkeypatch, capsys, first, "note", str(ward.exam_id),
                                "--out", str(note), "--user", NURSE, "--password-stdin",
                                stdin=f"{NURSE_PASSWORD}\n")
    assert status == 0, err
    status, out, err = run_cli(monkeypatch, capsys, second, "verify", str(note))
    assert status == 0 and "issued here" in out, out + err
    assert not second.exists()  # verify reads only

    status, _out, err = run_cli(monkeypatch, capsys, first, "user", "disable", NURSE,
                                "--user", ADMIN, "--password-stdin",
                                stdin=f"{ADMIN_PASSWORD}\n")
    assert status == 0, err
    status, out, err = run_cli(monkeypatch, capsys, second, "verify", str(note))
    assert "revoked" in out, out + err
    monkeypatch.delenv("NEUROCHECK_DATABASE")  # the workstation's own folder has no record
    status, out, _err = run_cli(monkeypatch, capsys, second, "verify", str(note))
    assert status == 1 and "NOT VALID" in out


def test_a_record_moves_onto_a_server_row_for_row_and_proves_itself_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys,
        request: pytest.FixtureRequest) -> None:
    """`migrate-to-server`: the demo ward's file, with a signed note, moved onto an empty
    database; the same rows, the chain to the same head, the full check with every note's
    signature there, keys moved into the record, and the file untouched. A second move into
    the now full database is refused, and a nurse may not move a record."""
    from desktop_app.store import connect
    from desktop_app.store.demo import PASSWORD
    from desktop_app.store.opening import open_postgres
    from desktop_app.store.server_copy import TABLES

    url = request.getfixturevalue("postgres_url")
    folder = tmp_path / "ward"
    assert run_cli(monkeypatch, capsys, folder, "demo")[0] == 0
    status, _out, err = run_cli(monkeypatch, capsys, folder, "note", "1", "--out",
                                str(tmp_path / "n.pdf"), "--user", "nurse", "--password-stdin",
                                stdin=f"{PASSWORD}\n")
    assert status == 0, err

    status, out, err = run_cli(monkeypatch, capsys, folder, "migrate-to-server", url,
                               "--user", "nurse", "--password-stdin", stdin=f"{PASSWORD}\n")
    assert status == 1 and "administrator" in err.lower(), err
    status, out, err = run_cli(monkeypatch, capsys, folder, "migrate-to-server", url,
                               "--user", "admin", "--password-stdin", stdin=f"{PASSWORD}\n")
    assert status == 0, err
    assert "proven complete" in out

    source = connect(database_path(folder), create=False)
    server = open_postgres(url)  # the start-up check passes on the server's copy
    try:
        def rows(db, table):
            return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                    for row in db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()]

        for table in TABLES:
            if table not in ("audit_log", "audit_head", "key_files"):
                assert rows(server, table) == rows(source, table), table
        # The file keeps its keys in pki/; on the server they are rows of the record.
        pki = folder / "pki"
        moved = {p.relative_to(pki).as_posix(): p.read_bytes() for p in pki.rglob("*")
                 if p.is_file()}
        assert rows(source, "key_files") == []
        assert {name: content for name, content, _at in rows(server, "key_files")} == moved
        file_log, server_log = rows(source, "audit_log"), rows(server, "audit_log")
        # entry for entry, then each key taken into the record, then the move itself
        assert server_log[:len(file_log)] == file_log
        keys_in = server_log[len(file_log):-1]
        assert sorted(json.loads(entry[6])["key"] for entry in keys_in) == sorted(moved)
        assert {(entry[2], entry[3]) for entry in keys_in} == {("admin", "key.write")}
        assert server_log[-1][3] == "record.migrate_to_server"
        assert source.execute("SELECT count(*) FROM audit_log WHERE action = "
                              "'record.migrate_to_server'").fetchone()[0] == 0
    finally:
        source.close()
        server.close()
    assert (folder / "pki").is_dir()  # the file's own keys stay with it

    status, _out, err = run_cli(monkeypatch, capsys, folder, "migrate-to-server", url,
                                "--user", "admin", "--password-stdin", stdin=f"{PASSWORD}\n")
    assert status == 1 and "already holds a NeuroCheck record" in err
    monkeypatch.setenv("NEUROCHECK_DATABASE", url)  # the workstation now works on the server
    status, out, err = run_cli(monkeypatch, capsys, tmp_path / "ws", "check", "--signatures")
    assert status == 0 and out.startswith("OK"), err
    status, out, _err = run_cli(monkeypatch, capsys, tmp_path / "ws", "verify",
                                str(tmp_path / "n.pdf"))
    assert status == 0 and "issued here" in out


@pytest.mark.parametrize("engine", ["sqlite"])
def test_a_move_that_does_not_prove_itself_leaves_the_server_empty(
        ward: Ward, engine: str, request: pytest.FixtureRequest) -> None:
    from desktop_app import record
    from desktop_app.store.postgres import connect_postgres
    from desktop_app.store.schema import schema_version
    from desktop_app.store.server_copy import CopyIncomplete, copy_to_server

    record.sign_exam(ward.db, ward.folder, ward.exam_id, NURSE, NURSE_PASSWORD)
    target = connect_postgres(request.getfixturevalue("postgres_url"))
    try:
        with pytest.raises(CopyIncomplete, match="nothing was kept on the server"):
            copy_to_server(ward.db, target, actor=ADMIN,
                           verify_pdf=lambda _pdf: "its signature does not verify")
        assert schema_version(target) == 0
        assert target.execute("SELECT to_regclass('audit_log')").fetchone()[0] is None
    finally:
        target.close()


@pytest.mark.parametrize("engine", ["postgresql"])
def test_a_server_records_backup_is_the_whole_record_as_a_file_that_proves_itself(
        ward: Ward, engine: str, tmp_path: Path) -> None:
    from desktop_app.record import backup, sign_exam
    from desktop_app.record.reads import get_user
    from desktop_app.store import connect
    from desktop_app.store.backup import verify_database_file
    from desktop_app.store.server_copy import TABLES
    from tests.record.conftest import NURSE, NURSE_PASSWORD

    sign_exam(ward.db, ward.folder, ward.exam_id, NURSE, NURSE_PASSWORD)
    written, report = backup(ward.db, get_user(ward.db, ADMIN), tmp_path)
    assert report.ok and written.parent == tmp_path
    assert verify_database_file(written).ok  # the full check, every row against the chain
    copy = connect(written, create=False)
    try:
        for table in (*TABLES, "key_files"):
            query = f"SELECT * FROM {table} ORDER BY 1"
            theirs = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                      for row in ward.db.execute(query).fetchall()]
            ours = [tuple(row) for row in copy.execute(query).fetchall()]
            if table == "audit_log":  # the server's entry for the backup came after it
                theirs = theirs[:len(ours)]
            if table == "audit_head":
                continue
            assert ours == theirs, table
        assert copy.execute("SELECT count(*) FROM signed_notes").fetchone()[0] == 1
    finally:
        copy.close()
    assert ward.actions()[-1] == "record.backup"  # audited on the server, once verified


@pytest.mark.parametrize("engine", ["postgresql"])
def test_a_portable_copy_restores_onto_a_new_server_database_and_proves_itself_there(
        ward: Ward, engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys,
        request: pytest.FixtureRequest) -> None:
    from desktop_app.record import backup, sign_exam
    from desktop_app.record.reads import get_user
    from desktop_app.store.opening import open_postgres
    from desktop_app.store.server_copy import TABLES
    from tests.record.conftest import NURSE, NURSE_PASSWORD

    url = request.getfixturevalue("postgres_url")
    sign_exam(ward.db, ward.folder, ward.exam_id, NURSE, NURSE_PASSWORD)
    copy, _report = backup(ward.db, get_user(ward.db, ADMIN), tmp_path / "ward.sqlite")
    target = request.getfixturevalue("second_postgres_url")

    def restore_as(name: str, password: str, *options: str, folder: Path = ward.folder):
        return run_cli(monkeypatch, capsys, folder, *options, "restore", str(copy), "--user",
                       name, "--password-stdin", stdin=f"{password}\n")

    # Onto the record in use: refused, nothing changed there.
    status, _out, err = restore_as(ADMIN, ADMIN_PASSWORD, "--database", url)
    assert status == 1 and "already holds a NeuroCheck record" in err, err
    # A nurse of the copy may not restore it.
    status, _out, err = restore_as(NURSE, NURSE_PASSWORD, "--database", target)
    assert status == 1 and "Restore refused" in err, err
    status, out, err = restore_as(ADMIN, ADMIN_PASSWORD, "--database", target)
    assert status == 0, err
    assert "proven there" in out
    restored = open_postgres(target)  # the start-up check passes on it
    try:
        for table in TABLES:
            if table in ("audit_log", "audit_head"):
                continue
            query = f"SELECT * FROM {table} ORDER BY 1"
            assert restored.execute(query).fetchall() == ward.db.execute(query).fetchall(), table
        keys = "SELECT name, content FROM key_files ORDER BY name"
        assert restored.execute(keys).fetchall() == ward.db.execute(keys).fetchall()
        [(actor, action)] = restored.execute(
            "SELECT actor, action FROM audit_log ORDER BY id DESC LIMIT 1").fetchall()
        assert (actor, action) == (ADMIN, "record.restore")
    finally:
        restored.close()
    # The restored record signs: the keys came with the copy.
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, "--database", target,
                                "check", "--signatures")
    assert status == 0, err


@pytest.mark.parametrize("engine", ["postgresql"])
def test_an_administrator_points_a_workstation_at_the_server_once(
        ward: Ward, engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys,
        request: pytest.FixtureRequest) -> None:
    import stat

    from desktop_app.paths import WORKSTATION_SERVER_FILE
    from tests.record.conftest import NURSE, NURSE_PASSWORD

    monkeypatch.delenv("NEUROCHECK_DATABASE", raising=False)
    url = request.getfixturevalue("postgres_url")
    workstation = tmp_path / "workstation"
    workstation.mkdir(mode=0o700)
    kept = workstation / WORKSTATION_SERVER_FILE
    status, _out, err = run_cli(monkeypatch, capsys, workstation, "workstation-server", url,
                                "--user", NURSE, "--password-stdin",
                                stdin=f"{NURSE_PASSWORD}\n")
    assert status != 0 and not kept.exists(), err  # a nurse may not
    status, out, err = run_cli(monkeypatch, capsys, workstation, "workstation-server", url,
                               "--user", ADMIN, "--password-stdin",
                               stdin=f"{ADMIN_PASSWORD}\n")
    assert status == 0, err
    assert kept.read_text(encoding="utf-8").strip() == url
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert ward.actions()[-1] == "workstation.server_set"

    # From now on the workstation's commands use the server's record, with no option.
    document = tmp_path / "doc.json"
    document.write_text(json.dumps(sample_raw("normal")), encoding="utf-8")
    status, out, err = run_cli(monkeypatch, capsys, workstation, "import", str(document),
                               "--user", NURSE, "--password-stdin", stdin=f"{NURSE_PASSWORD}\n")
    assert status == 0, err
    assert ward.db.execute("SELECT count(*) FROM exams WHERE id = ?",
                           [int(out.strip())]).fetchone()[0] == 1
    assert not database_path(workstation).exists()
    status, out, _err = run_cli(monkeypatch, capsys, workstation, "workstation-server")
    assert status == 0 and "uses the ward record on" in out

    status, out, err = run_cli(monkeypatch, capsys, workstation, "workstation-server", "--off",
                               "--user", ADMIN, "--password-stdin",
                               stdin=f"{ADMIN_PASSWORD}\n")
    assert status == 0, err
    assert not kept.exists() and ward.actions()[-1] == "workstation.server_unset"
    status, out, _err = run_cli(monkeypatch, capsys, workstation, "workstation-server")
    assert "data folder's own record" in out


@pytest.mark.parametrize("engine", ["postgresql"])
def test_a_portable_copy_restored_into_a_data_folder_signs_with_the_keys_inside_it(
        ward: Ward, engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys) -> None:
    """Either into either: the server's record, restored onto a workstation of its own,
    keeps its keys in the record there (not in pki/); a note signed there verifies, and
    so do the notes signed on the server; a key written there is audited."""
    from desktop_app.record import backup
    from desktop_app.record.reads import get_user

    copy, _report = backup(ward.db, get_user(ward.db, ADMIN), tmp_path / "ward.sqlite")
    folder = tmp_path / "workstation"
    status, out, err = run_cli(monkeypatch, capsys, folder, "restore", str(copy), "--user",
                               ADMIN, "--password-stdin", stdin=f"{ADMIN_PASSWORD}\n")
    assert status == 0, err
    assert "Restored and verified" in out
    assert not (folder / "pki").exists()
    note = tmp_path / "note.pdf"
    status, _out, err = run_cli(monkeypatch, capsys, folder, "note", str(ward.exam_id),
                                "--out", str(note), "--user", NURSE, "--password-stdin",
                                stdin=f"{NURSE_PASSWORD}\n")
    assert status == 0, err
    status, out, err = run_cli(monkeypatch, capsys, folder, "verify", str(note))
    assert status == 0 and "issued here" in out, out + err
    status, _out, err = run_cli(monkeypatch, capsys, folder, "user", "disable", NURSE,
                                "--user", ADMIN, "--password-stdin",
                                stdin=f"{ADMIN_PASSWORD}\n")
    assert status == 0, err
    status, out, err = run_cli(monkeypatch, capsys, folder, "verify", str(note))
    assert "revoked" in out, out + err  # the revocation list the record keeps, updated
    status, out, err = run_cli(monkeypatch, capsys, folder, "check", "--signatures")
    assert status == 0, out + err
    assert not (folder / "pki").exists()


def test_a_workstations_backup_restores_onto_a_server_with_the_keys_of_its_pki(
        private_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys,
        request: pytest.FixtureRequest) -> None:
    """Either into either, the other way: a workstation's own backup (its keys in pki/)
    goes onto a new server database from that workstation, every signed note verified
    against those keys; from another data folder, without them, it is refused."""
    from desktop_app.store.demo import PASSWORD as DEMO_PASSWORD
    from desktop_app.store.opening import open_postgres

    url = request.getfixturevalue("postgres_url")
    folder = private_data_dir
    assert run_cli(monkeypatch, capsys, folder, "demo")[0] == 0
    copy = tmp_path / "own.sqlite"
    status, _out, err = run_cli(monkeypatch, capsys, folder, "backup", str(copy), "--user",
                                "admin", "--password-stdin", stdin=f"{DEMO_PASSWORD}\n")
    assert status == 0, err
    status, _out, err = run_cli(monkeypatch, capsys, tmp_path / "elsewhere", "--database",
                                url, "restore", str(copy), "--user", "admin",
                                "--password-stdin", stdin=f"{DEMO_PASSWORD}\n")
    assert status == 1 and "run the restore on that workstation" in err, err
    status, out, err = run_cli(monkeypatch, capsys, folder, "--database", url, "restore",
                               str(copy), "--user", "admin", "--password-stdin",
                               stdin=f"{DEMO_PASSWORD}\n")
    assert status == 0, err
    assert "proven there" in out
    server = open_postgres(url)
    try:
        names = {name for (name,) in server.execute("SELECT name FROM key_files")}
        pki = folder / "pki"
        assert names == {p.relative_to(pki).as_posix() for p in pki.rglob("*") if p.is_file()}
        assert server.execute("SELECT actor, action FROM audit_log ORDER BY id DESC LIMIT 1"
                              ).fetchone() == ("admin", "record.restore")
    finally:
        server.close()
    status, _out, err = run_cli(monkeypatch, capsys, folder, "--database", url, "check",
                                "--signatures")
    assert status == 0, err
