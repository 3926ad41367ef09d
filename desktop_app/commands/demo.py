"""`demo [--launch]`: fill an empty data folder with a sample ward (about thirty open
episodes, both procedures, all four levels, some checks overdue), then optionally open
the application on it. Without --data-dir it uses `demo/` inside the user's data folder,
apart from the ward's own record."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--launch", action="store_true",
                        help="open the application on the demo data afterwards")


def run(args: argparse.Namespace) -> int:
    import os

    from desktop_app.commands.records import with_database
    from desktop_app.paths import DATA_DIR_ENV, data_dir

    if not args.data_dir and not os.environ.get(DATA_DIR_ENV):
        # Never mix sample patients into the ward's own record: a folder of their own.
        args.data_dir = str(data_dir() / "demo")
    from desktop_app.store.demo import PASSWORD, USERS, fill_demo, holds_demo_only

    def body(folder, db) -> int:
        if holds_demo_only(db):
            print(f"{folder} already holds the demo ward.")
        else:
            counts = fill_demo(db, folder)
            print(f"Demo ward written to {folder}: {counts['episodes']} episodes "
                  f"({counts['episodes'] - counts['closed']} open), {counts['exams']} exams, "
                  f"{counts['escalations']} escalations.")
        names = ", ".join(f"{name} ({role})" for name, role, _f, _c in USERS)
        print(f"Sign in as {names}; the password of each is {PASSWORD!r}.")
        return 0

    status = with_database(args, body)
    if status or not args.launch:
        return status
    from desktop_app.ui.app import run_gui

    return run_gui(args)
