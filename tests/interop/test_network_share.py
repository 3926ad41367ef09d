"""A record on a network share (several workstations on one SQLite file) is not safe, and
the commands and the window say so. The share is simulated: the file system check is
answered "network" for the test's folder only."""

from __future__ import annotations

from pathlib import Path

import pytest

import desktop_app.store.database as database
import desktop_app.store.opening as opening
from desktop_app.store import network_share_warning
from tests.interop.test_cli_full_disk import run


@pytest.fixture
def on_share(monkeypatch, tmp_path: Path) -> Path:
    folder = tmp_path / "share"
    folder.mkdir(mode=0o700)
    real = database.is_network_filesystem

    def on_the_share(path) -> bool:
        return Path(path).resolve().is_relative_to(folder.resolve()) or real(path)

    # both the journal mode (a rollback journal on a share) and the warning see the share
    monkeypatch.setattr(database, "is_network_filesystem", on_the_share)
    monkeypatch.setattr(opening, "is_network_filesystem", on_the_share)
    return folder


def test_the_warning_is_given_only_for_a_share(on_share: Path, tmp_path: Path) -> None:
    assert "network share" in network_share_warning(on_share)
    local = tmp_path / "local"
    local.mkdir(mode=0o700)
    assert network_share_warning(local) is None


def test_a_command_on_a_share_warns_in_one_line_and_still_works(on_share: Path, capsys,
                                                                  tmp_path: Path) -> None:
    code, _out, err = run(on_share, ["user", "add", "admin", "--role", "admin",
                                     "--full-name", "Ada Admin", "--password-stdin"],
                          capsys, user=None, stdin="admin-passphrase-1\n")
    assert code == 0, err
    [line] = [line for line in err.splitlines() if "network share" in line]
    assert line.startswith("Warning: the record is on a network share")
    local = tmp_path / "local"
    local.mkdir(mode=0o700)
    code, _out, err = run(local, ["user", "add", "admin", "--role", "admin",
                                  "--full-name", "Ada Admin", "--password-stdin"],
                          capsys, user=None, stdin="admin-passphrase-1\n")
    assert code == 0 and "network share" not in err
