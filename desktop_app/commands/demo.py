"""`demo [--launch]`: fill an empty data folder with a sample ward (about thirty open
episodes, both procedures, all four levels, some checks overdue), then optionally open
the application on it. Without --data-dir it uses `demo/` inside the user's data folder,
apart from the ward's own record. A folder whose record has accounts already takes
`--user NAME --password-stdin` (an administrator)."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    from desktop_app.commands.sign_in import add_sign_in

    parser.add_argument("--launch", action="store_true",
                        help="open the application on the demo data afterwards")
    add_sign_in(parser, required=False)


def run(args: argparse.Namespace) -> int:
    import os

    from desktop_app.commands.records import fail, sign_in_for, with_database
    from desktop_app.paths import DATA_DIR_ENV, data_dir

    if not args.data_dir and not os.environ.get(DATA_DIR_ENV):
        # Never mix sample patients into the ward's own record: a folder of their own.
        args.data_dir = str(data_dir() / "demo")
    from desktop_app.record.reads import DEMO_PASSWORD, DEMO_USERS, has_users, holds_demo_only
    from desktop_app.record.ward import fill_demo

    def body(folder, db) -> int:
        from desktop_app.record.reads import record_address

        # The record's place in words: the data folder, or the server's (no address: it
        # may carry a certificate path, and a console is not the place for it).
        where = ("the record on the database server" if isinstance(record_address(db), str)
                 else str(folder))
        state = holds_demo_only(db)
        if state:  # nothing read or changed: the demo's passwords are printed anyway
            print(f"{where} already holds the demo ward.")
        else:
            who = None
            if has_users(db):  # a ward's own record: its administrator decides
                if not args.user:
                    return fail(f"{where} already has accounts: sign in with "
                                "--user NAME --password-stdin (an administrator).")
                who = sign_in_for(args, db, "fill_demo")
            counts = fill_demo(db, folder, who.user if who else None)
            print(f"Demo ward written to {where}: {counts['episodes']} episodes "
                  f"({counts['episodes'] - counts['closed']} open), {counts['exams']} exams, "
                  f"{counts['escalations']} escalations.")
        names = ", ".join(f"{name} ({role})" for name, role, _f, _c in DEMO_USERS)
        print(f"Sign in as {names}; the password of each is {DEMO_PASSWORD!r}.")
        return 0

    status = with_database(args, body)
    if status or not args.launch:
        return status
    from desktop_app.ui.app import run_gui

    return run_gui(args)
