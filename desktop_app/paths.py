"""Where things live: bundled resources (checkout or frozen build) and the user's data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "NeuroCheck"
DATA_DIR_ENV = "NEUROCHECK_DATA_DIR"


def resource_path(*parts: str) -> Path:
    """Path of a file under `resources/`, from a checkout or from a PyInstaller build."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    root = Path(frozen_root) if frozen_root else Path(__file__).resolve().parent.parent
    return root.joinpath("resources", *parts)


def data_dir(override: str | os.PathLike[str] | None = None, *, create: bool = True) -> Path:
    """The data folder: the override, else $NEUROCHECK_DATA_DIR, else the platform's folder.

    It is created readable by the owner only, since it holds patient data (unless
    `create` is False: a command that only reads never makes one).
    """
    if override:
        path = Path(override)
    elif os.environ.get(DATA_DIR_ENV):
        path = Path(os.environ[DATA_DIR_ENV])
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path = path.expanduser().resolve()
    if not create:
        return path
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        os.chmod(path, 0o700)
    return path


def log_dir(base: Path) -> Path:
    """The log folder inside a data folder."""
    path = base / "logs"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable by the owner only, atomically: complete or not at all.

    It may hold patient data or a key, so it is never visible half-written or to others.
    """
    import secrets

    path = Path(path)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
