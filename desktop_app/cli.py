"""Headless commands and the GUI entry point.

Every command lives in a module that exposes `configure(parser)` and `run(args) -> int`.
Those modules keep heavy imports (Qt, sqlite-utils, reportlab, pyHanko) inside `run`, so
`assess` starts fast and runs on a server without a display.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from desktop_app import __version__

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
}


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
        # The record and the rules first: PySide6 inspects every module imported after it.
        import desktop_app.store  # noqa: F401
        from desktop_app.ui.app import run_gui

        return run_gui(args)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


def main_gui() -> int:
    """Entry point of the windowed launcher (no command line)."""
    return main([])
