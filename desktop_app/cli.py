"""Headless commands and the GUI entry point.

Every command lives in a module that exposes `configure(parser)` and `run(args) -> int`.
Those modules keep heavy imports (Qt, sqlite-utils, reportlab, pyHanko) inside `run`, so
`assess` starts fast and runs on a server without a display.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import sys

from desktop_app import __version__

EXIT_FAILED = 1  # the record refused, or the command could not finish (disk full, I/O error)
EXIT_INVALID = 2  # the input given is not valid, or a path given cannot be used
MESSAGE_LENGTH = 300
# A path the user named that cannot be used is bad input; anything else is a failure.
_BAD_PATH_ERRNOS = frozenset(
    getattr(errno, name) for name in (
        "ENOENT", "ENOTDIR", "EISDIR", "EACCES", "EPERM", "EROFS", "EEXIST", "ENAMETOOLONG",
        "ELOOP", "EINVAL", "ENXIO", "ENODEV", "EXDEV",
    ) if hasattr(errno, name)
)
MAX_RECORD_ID = 2 ** 63 - 1  # SQLite's largest row ID

# name -> (module, one-line help). Order is the order `--help` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "assess": ("desktop_app.commands.assess", "assess an exam document and print the result"),
    "import": ("desktop_app.commands.import_documents",
               "record exam documents (all or nothing) and print each exam's ID"),
    "export": ("desktop_app.commands.export", "print an exam as an exam document"),
    "backup": ("desktop_app.commands.backup", "write a verified copy of the database"),
    "restore": ("desktop_app.commands.restore",
                "replace the database with a verified backup (the old one is kept)"),
    "check": ("desktop_app.commands.check", "check the database and its audit chain"),
    "demo": ("desktop_app.commands.demo", "fill an empty data folder with a sample ward"),
    "user": ("desktop_app.commands.user",
             "accounts: add, list, disable, enable, reset a password, re-issue a key"),
    "fhir": ("desktop_app.commands.fhir", "export a signed exam as a FHIR R4 Bundle (JSON)"),
    "note": ("desktop_app.commands.note", "sign a stored exam's chart note (or an addendum)"),
    "verify": ("desktop_app.commands.verify", "check a signed note: who signed, when, intact"),
    "migrate-to-server": ("desktop_app.commands.migrate_to_server",
                          "move this data folder's record onto an empty PostgreSQL database, "
                          "proven complete"),
    "workstation-server": ("desktop_app.commands.workstation_server",
                           "point this workstation at the ward record on a PostgreSQL server "
                           "(or --off)"),
}


class _Parser(argparse.ArgumentParser):
    """argparse with its refusal in one line (usage is one `--help` away)."""

    def error(self, message: str):  # type: ignore[override]
        _say(f"{self.prog}: {message} (see --help)")
        raise SystemExit(EXIT_INVALID)


def record_id(text: str) -> int:
    """An exam or record ID from the command line: a positive whole number SQLite can hold."""
    if not text.isascii() or not text.isdigit() or len(text) > 19 or not \
            0 < int(text) <= MAX_RECORD_ID:
        raise argparse.ArgumentTypeError(f"an ID is a whole number from 1 to {MAX_RECORD_ID}, "
                                         f"not {text[:30]!r}")
    return int(text)


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="neurocheck",
        description="NeuroCheck: post-procedure neurological check. "
        "With no command, opens the application.",
    )
    parser.add_argument("--version", action="version", version=f"NeuroCheck {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data folder to use (default: $NEUROCHECK_DATA_DIR, else the platform's data folder)",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="the ward record on a PostgreSQL server, postgresql://USER@HOST/DATABASE "
        "(default: $NEUROCHECK_DATABASE, else the data folder's own record); keep the "
        "password out of the URL, in ~/.pgpass",
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="open the window, sign and verify a note in a temporary folder, then exit",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        if not commands:  # opening the GUI: the command modules need not load
            sub.add_parser(name, help=help_text)
            continue
        module = importlib.import_module(module_name)
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.configure(command_parser)
        command_parser.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(commands=any(word in COMMANDS or word in {"-h", "--help"}
                                       for word in words))
    args = parser.parse_args(argv)
    if args.smoke_test:
        from desktop_app.smoke import run_smoke_test

        return run_smoke_test()
    if args.command is None:
        # The sign-in screen first; the record loads on a worker thread behind it. What the
        # screen needs of pure Python (the theme and the rules' names it colours, logging)
        # is imported before PySide6, which inspects every module imported after it.
        import desktop_app.logging_setup  # noqa: F401
        import desktop_app.ui.theme  # noqa: F401
        from desktop_app.ui.app import run_gui

        try:
            return run_gui(args)
        except Exception as error:  # noqa: BLE001 - a data folder or a record that cannot be
            return report_failure(None, error)  # opened: one line, never a traceback
    import logging

    # A log line that cannot be written (a full disk) must not print a traceback.
    logging.raiseExceptions = False
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - any failure is one line, never a traceback
        return report_failure(args.command, error)


def report_failure(command: str | None, error: BaseException) -> int:
    """Say in one line why `command` stopped and return its exit status: 2 for a path or a
    data folder that cannot be used, 1 for a full disk, an I/O error or anything else.

    What a command had saved stays saved: the record writes in transactions, files are
    written under a temporary name and renamed when complete.
    """
    from desktop_app.paths import DataFolderError

    prefix = f"{command}: " if command else ""
    if isinstance(error, DataFolderError):
        _say(f"{prefix}{error}")
        return EXIT_INVALID
    if isinstance(error, OSError):
        where = error.filename if error.filename is not None else ""
        reason = error.strerror or str(error) or type(error).__name__
        if error.errno in {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}:
            reason += " (the disk is full: free some space and try again)"
        _say(f"{prefix}{f'{where}: ' if where else ''}{reason}")
        return EXIT_INVALID if error.errno in _BAD_PATH_ERRNOS else EXIT_FAILED
    store_error = sys.modules.get("desktop_app.store.errors")
    if store_error is not None and isinstance(error, store_error.StoreError):
        # The record's own refusals (a failed start-up check, a server that cannot be
        # reached) name what is wrong and never a patient.
        _say(f"{prefix}{error}")
        return EXIT_FAILED
    if type(error).__module__ == "sqlite3":
        # SQLite's own words ("database or disk is full", "disk I/O error") carry no data.
        _say(f"{prefix}the record could not be read or written: {error} (its writes are "
             "all or nothing: what was saved before is kept)")
        return EXIT_FAILED
    _log_failure(command, error)
    _say(f"{prefix}stopped by an unexpected {type(error).__name__}; "
         "nothing half-done was saved (the log has the details)")
    return EXIT_FAILED


def _say(message: str) -> None:
    from desktop_app.domain.document import one_line

    with contextlib.suppress(OSError, ValueError):  # no standard error to say it on
        print(one_line(message, MESSAGE_LENGTH), file=sys.stderr, flush=True)


def _log_failure(command: str | None, error: BaseException) -> None:
    """The failure's place in the code, in the log when there is one; never the message,
    which may quote patient data."""
    import logging
    import traceback

    if not logging.getLogger().handlers:
        return  # logging.lastResort would print it on standard error
    frames = "".join(traceback.format_tb(error.__traceback__))
    logging.getLogger(__name__).error("%s stopped by %s at\n%s", command,
                                      type(error).__name__, frames)


def main_gui() -> int:
    """Entry point of the windowed launcher (no command line)."""
    return main([])
