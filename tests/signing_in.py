"""Signing in for the command tests: every command that reads or changes the record takes
`--user NAME --password-stdin`. An account for them (no signing key: import, export,
backup and restore need none) and the arguments and standard input they are run with."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

CLI_USER = "records.admin"
CLI_PASSWORD = "records-admin-pass-1"


def ensure_account(folder: Path, name: str = CLI_USER, *, role: str = "admin",
                   password: str = CLI_PASSWORD, database: str | None = None) -> None:
    """The account `name` in the record of `folder`, or on the server `database` (created,
    with the record, if missing)."""
    from desktop_app.store import create_user
    from desktop_app.store.opening import open_record
    from desktop_app.store.users import _row

    db = open_record(Path(folder), database=database)
    try:
        if _row(db, name) is None:
            create_user(db, name, full_name="Records Admin", role=role, password=password,
                        actor="test")
    finally:
        db.close()


def signed_in(*args: str, name: str = CLI_USER) -> list[str]:
    """A command's arguments with the sign-in options added."""
    return [*args, "--user", name, "--password-stdin"]


def run_in_process(folder: Path, *args: str, password: str = CLI_PASSWORD,
                   more_stdin: str = "", database: str | None = None) -> int:
    """`main(--data-dir folder [--database URL] ARGS --user ... --password-stdin)` with the
    password on stdin (the account is created first)."""
    from desktop_app.cli import main

    ensure_account(folder, database=database)
    saved = sys.stdin
    sys.stdin = io.StringIO(f"{password}\n{more_stdin}")
    server = ["--database", database] if database else []
    try:
        return main(["--data-dir", str(folder), *server, *signed_in(*args)])
    finally:
        sys.stdin = saved


def run_subprocess(folder: Path, *args: str, password: str = CLI_PASSWORD,
                   timeout: float = 120, cwd: Path | None = None,
                   env: dict[str, str] | None = None, data_dir: bool = True,
                   text: bool = True) -> subprocess.CompletedProcess:
    """`python -m desktop_app [--data-dir folder] ARGS` signed in, as a console runs it."""
    ensure_account(folder)
    prefix = ["--data-dir", str(folder)] if data_dir else []
    stdin = f"{password}\n"
    return subprocess.run([sys.executable, "-m", "desktop_app", *prefix, *signed_in(*args)],
                          input=stdin if text else stdin.encode(), capture_output=True,
                          text=text, timeout=timeout, cwd=cwd, env=env)


def make_hashing_quick(monkeypatch) -> None:
    """argon2id at its smallest cost and cheap key stretching, in this process only (the
    shipped costs take about half a second a password by design)."""
    from argon2 import PasswordHasher, Type

    from desktop_app.report import pki
    from desktop_app.store import users

    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    monkeypatch.setattr(users, "_hasher", lambda: quick)
    monkeypatch.setattr(users, "_decoy_hash", lambda: quick.hash("no such user"))
    monkeypatch.setattr(pki, "SCRYPT_N", 2**10)


SIGNED_COMMANDS = frozenset({"import", "export", "fhir", "note", "backup", "restore", "user",
                             "demo"})


def with_sign_in(argv: list[str]) -> tuple[list[str], str]:
    """A command line as a test wrote it (`[--data-dir DIR] COMMAND ARGS`), with the sign-in
    options added when the command takes them, and the standard input carrying the
    password. The account is created in DIR when DIR is (or can be) a private folder."""
    words = list(argv)
    folder = None
    if len(words) >= 2 and words[0] == "--data-dir":
        folder, rest = words[1], words[2:]
    else:
        rest = words
    if not rest or rest[0] not in SIGNED_COMMANDS or "--user" in rest:
        return words, ""
    if folder is not None and "\0" not in folder:
        path = Path(folder)
        usable = not path.exists() or (path.is_dir() and not path.stat().st_mode & 0o007)
        if usable:
            ensure_account(path)
    return [*words, "--user", CLI_USER, "--password-stdin"], f"{CLI_PASSWORD}\n"
