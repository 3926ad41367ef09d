"""`verify NOTE.pdf`: who signed a note, when, and whether it is intact, signed with a key
of this installation that is not revoked, and issued here (its hash is among the record's
signed notes): exit 0; otherwise what is wrong, with the signer and time as claims (exit 1).
Reads only: it never creates a data folder or a database."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable
from pathlib import Path

EXIT_NOT_VALID = 1


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="NOTE.pdf", help="a signed NeuroCheck note")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def read_record(data_dir: Path) -> tuple[set[str], Callable[[str], bool]]:
    """The disabled accounts' names and a test 'is this SHA-256 one of the record's signed
    notes or addenda?'; with no record here, no names and nothing is in it."""
    try:
        from desktop_app.record.reads import StoreError, database_path, list_users, open_database
    except ImportError:
        return set(), lambda _sha: False
    if not database_path(data_dir).exists():
        return set(), lambda _sha: False
    try:
        db = open_database(data_dir, create=False, migrate=False, check=False)
    except StoreError:
        return set(), lambda _sha: False
    try:
        disabled = {user.name for user in list_users(db) if user.disabled}
        hashes = {row[0] for row in db.execute(
            "SELECT sha256 FROM signed_notes UNION SELECT sha256 FROM addenda")}
    finally:
        db.close()
    return disabled, hashes.__contains__


def run(args: argparse.Namespace) -> int:
    from desktop_app.paths import data_dir
    from desktop_app.report.verify import verify_file

    # pyHanko logs a traceback for every signer it cannot trust; the result says it plainly.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    folder = data_dir(args.data_dir, create=False)
    disabled, in_record = read_record(folder)
    result = verify_file(Path(args.file), folder, disabled=disabled, in_record=in_record)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(f"{args.file}:")
        for line in result.lines():
            print(f"  {line}")
    return 0 if result.ok else EXIT_NOT_VALID
