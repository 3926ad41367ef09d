"""Store fixtures: the test's data folder and its database, opened as the application
opens it. Exam documents for the tests are built in documents.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from desktop_app.paths import data_dir
from tests.postgres_server import open_test_record


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the smallest cost, in this process only: the application's hasher takes
    half a second a hash by design, which a test suite cannot afford a hundred times.
    Commands run as subprocesses keep the real cost."""
    from argon2 import PasswordHasher, Type

    from desktop_app.store import users

    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    monkeypatch.setattr(users, "_hasher", lambda: quick)
    monkeypatch.setattr(users, "_decoy_hash", lambda: quick.hash("no such user"))


@pytest.fixture
def folder(private_data_dir: Path) -> Path:
    """The test's data folder as the application finds it ($NEUROCHECK_DATA_DIR), created."""
    path = data_dir()
    assert path == private_data_dir.resolve()
    return path


@pytest.fixture
def db(folder: Path, engine: str, request: pytest.FixtureRequest) -> Iterator[Database]:
    """The test's database, opened as the application opens it, on each engine (see
    tests/postgres_server.py)."""
    database = open_test_record(engine, folder, request)
    yield database
    database.close()


