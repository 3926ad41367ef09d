"""`verify NOTE.pdf`: who signed a note, when, and whether it is intact, signed with a key
of this installation that is not revoked, and issued here (its hash is among the record's
signed notes): exit 0; otherwise what is wrong, with the signer and time as claims (exit 1).
Reads only: it never creates a data folder or a database. With a record that keeps its
keys (on a server, --database or $NEUROCHECK_DATABASE; or a portable copy of one restored
here) the installation's authority and revocation list are the ones the record keeps."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_NOT_VALID = 1


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="NOTE.pdf", help="a signed NeuroCheck note")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def read_record(data_dir: Path, database: str | None = None
                ) -> tuple[set[str], Callable[[str], bool], Any]:
    """The disabled accounts' names, a test 'is this SHA-256 one of the record's signed
    notes or addenda?' and a copy of the installation's authority (from where the record
    keeps its keys); with no record here, no names, nothing is in it, and the data folder's
    own pki/."""
    nothing = (set(), lambda _sha: False, data_dir)
    try:
        from desktop_app.record.reads import StoreError, database_path, list_users, open_record
    except ImportError:
        return nothing
    if database is None and not database_path(data_dir).exists():
        return nothing
    try:
        db = open_record(data_dir, database=database, create=False, migrate=False,
                         check=False)
    except StoreError:
        return nothing
    try:
        disabled = {user.name for user in list_users(db) if user.disabled}
        hashes = {row[0] for row in db.execute(
            "SELECT sha256 FROM signed_notes UNION SELECT sha256 FROM addenda")}
        keys = _authority_copy(db, data_dir)
    finally:
        db.close()
    return disabled, hashes.__contains__, keys


def _authority_copy(db, data_dir: Path) -> Any:
    """What `verify` reads of a record's keys (in the record, or in the data folder's
    pki/): the authority's certificate and its revocation list (no private key is read)."""
    from desktop_app.record.keys import signing_keys
    from desktop_app.report.pki import AUTHORITY_CERTIFICATE, REVOCATION_LIST, KeyCopy, key_files

    keys = key_files(signing_keys(db, data_dir))
    return KeyCopy({name: content for name in (AUTHORITY_CERTIFICATE, REVOCATION_LIST)
                    if (content := keys.read(name)) is not None})


def run(args: argparse.Namespace) -> int:
    from desktop_app.paths import data_dir, database_url
    from desktop_app.report.verify import verify_file

    # pyHanko logs a traceback for every signer it cannot trust; the result says it plainly.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    folder = data_dir(args.data_dir, create=False)
    disabled, in_record, keys = read_record(folder, database_url(getattr(args, "database",
                                                                         None), folder))
    result = verify_file(Path(args.file), keys, disabled=disabled, in_record=in_record)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(f"{args.file}:")
        for line in result.lines():
            print(f"  {line}")
    return 0 if result.ok else EXIT_NOT_VALID
