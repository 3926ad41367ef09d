"""Where things live: bundled resources (checkout or frozen build) and the user's data folder."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

APP_NAME = "NeuroCheck"
DATA_DIR_ENV = "NEUROCHECK_DATA_DIR"
DATABASE_ENV = "NEUROCHECK_DATABASE"


def resource_path(*parts: str) -> Path:
    """Path of a file under `resources/`, from a checkout or from a PyInstaller build."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    root = Path(frozen_root) if frozen_root else Path(__file__).resolve().parent.parent
    return root.joinpath("resources", *parts)


class DataFolderError(Exception):
    """The data folder cannot be used: not a folder, open to every user, not creatable.
    `str()` is one line saying which folder and what to do."""


def data_dir(override: str | os.PathLike[str] | None = None, *, create: bool = True) -> Path:
    """The data folder: the override, else $NEUROCHECK_DATA_DIR, else the platform's folder.

    A folder NeuroCheck creates is readable by the owner only, since it holds patient data
    (with `create` False, a command that only reads, nothing is made). An existing folder is
    never changed: one every user of the machine may enter or write to is refused
    (`DataFolderError`), as is a path that is not a folder.
    """
    if override:
        path = Path(override)
    elif os.environ.get(DATA_DIR_ENV):
        path = Path(os.environ[DATA_DIR_ENV])
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    if "\0" in str(path):
        raise DataFolderError("the data folder's name holds a NUL character")
    try:
        path = path.expanduser().resolve()
    except (OSError, RuntimeError) as error:  # a symlink loop, no home folder
        raise DataFolderError(f"the data folder {path} cannot be resolved ({error})") from None
    if not create:
        return path
    try:
        path.mkdir(parents=True, mode=0o700)
    except FileExistsError:
        _check_existing_folder(path)
    except OSError as error:
        raise DataFolderError(
            f"the data folder {path} cannot be created ({error.strerror})") from None
    else:
        if os.name == "posix":
            os.chmod(path, 0o700)  # the umask may have taken the owner's own rights
    return path


# In a data folder: the address of the server whose record this workstation uses, written
# by an administrator once per workstation (`workstation-server URL`).
WORKSTATION_SERVER_FILE = "record-server.url"


def database_url(override: str | None = None, folder: Path | None = None) -> str | None:
    """The ward record's database server, when it is on one: the override (--database),
    else $NEUROCHECK_DATABASE, else the address the data folder `folder` keeps for this
    workstation (`workstation_server`), else None (the data folder's own SQLite file)."""
    return override or os.environ.get(DATABASE_ENV) or (
        workstation_server(folder) if folder is not None else None) or None


def workstation_server(folder: Path) -> str | None:
    """The server address an administrator set for this workstation in `folder` (None:
    none; an unreadable file reads as none, and the record in the folder is used)."""
    try:
        text = (Path(folder) / WORKSTATION_SERVER_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeError):
        return None
    return text or None


def set_workstation_server(folder: Path, url: str | None) -> None:
    """Keep `url` as this workstation's server in `folder` (None: forget it): owner-only,
    written whole or not at all."""
    path = Path(folder) / WORKSTATION_SERVER_FILE
    if url is None:
        path.unlink(missing_ok=True)
        return
    write_private(path, (url + "\n").encode("utf-8"))


def _check_existing_folder(path: Path) -> None:
    if not path.is_dir():
        raise DataFolderError(f"the data folder {path} is not a folder")
    if os.name != "posix":
        return
    mode = path.stat().st_mode
    if mode & 0o007:
        raise DataFolderError(
            f"the data folder {path} is open to every user of this machine (mode "
            f"{stat.S_IMODE(mode):o}) and holds patient data; NeuroCheck leaves it as it is: "
            "make it private (chmod 700, or 770 for a ward's group) or choose another")


def log_dir(base: Path) -> Path:
    """The log folder inside a data folder."""
    path = base / "logs"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def check_output_path(path: Path) -> None:
    """Refuse, before anything is done, an output file that cannot be written: its folder
    is missing, it is a folder, or it is something a rename must never replace (a device
    such as /dev/null, a pipe, a socket). `OSError` with the errno and the path."""
    import errno

    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file name", str(path))
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        pass
    else:
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            raise OSError(errno.EINVAL, "is not a regular file (a device or a pipe); it is "
                          "left as it is", str(path))
    parent = path.parent
    if not parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "the folder does not exist", str(parent))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, "no file can be written in this folder",
                              str(parent))


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable by the owner only, atomically: complete or not at all.

    It may hold patient data or a key, so it is never visible half-written or to others.
    The temporary file is created exclusively (mkstemp) in the target's folder, so a
    symlink planted there is never followed; renaming replaces a link at `path` itself
    rather than writing through it.
    """
    path = Path(path)
    check_output_path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    partial = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:  # mkstemp: O_EXCL, mode 0600
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
