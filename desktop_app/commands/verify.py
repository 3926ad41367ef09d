"""`verify NOTE.pdf`: who signed a note, when, and whether it is intact and signed by a user
of this installation (exit 0), or what is wrong (exit 1)."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

EXIT_NOT_VALID = 1


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="NOTE.pdf", help="a signed NeuroCheck note")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def disabled_users(data_dir: Path) -> set[str]:
    """Login names of disabled accounts, from the record when there is one."""
    try:
        from desktop_app.store.database import database_path, open_database
        from desktop_app.store.errors import StoreError
        from desktop_app.store.users import list_users
    except ImportError:
        return set()
    if not database_path(data_dir).exists():
        return set()
    try:
        db = open_database(data_dir, create=False, migrate=False, check=False)
    except StoreError:
        return set()
    try:
        return {user.name for user in list_users(db) if user.disabled}
    finally:
        db.close()


def run(args: argparse.Namespace) -> int:
    from desktop_app.paths import data_dir
    from desktop_app.report.verify import verify_file

    # pyHanko logs a traceback for every signer it cannot trust; the result says it plainly.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    folder = data_dir(args.data_dir)
    result = verify_file(Path(args.file), folder, disabled=disabled_users(folder))
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(f"{args.file}:")
        for line in result.lines():
            print(f"  {line}")
    return 0 if result.ok else EXIT_NOT_VALID
