"""`workstation-server URL --user ADMIN --password-stdin`: point this workstation at the
ward record on a PostgreSQL server, once, so that the window and every command use it
without --database; `--off` takes it off again (back to the data folder's own record);
with neither, say which record this workstation uses. An administrator of the server's
record signs in there, and the change is audited there."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    from desktop_app.commands.sign_in import add_sign_in

    add_sign_in(parser, required=False)  # saying which record is used needs no sign-in
    parser.add_argument("url", metavar="URL", nargs="?",
                        help="the ward record's database: postgresql://USER@HOST/DATABASE "
                        "(the password in ~/.pgpass; sslmode=verify-full for another "
                        "computer)")
    parser.add_argument("--off", action="store_true",
                        help="use the data folder's own record again")


def run(args: argparse.Namespace) -> int:
    from desktop_app.commands.records import data_folder, fail, with_signed_in
    from desktop_app.paths import workstation_server
    from desktop_app.record import set_workstation_server
    from desktop_app.record.reads import is_database_url

    folder = data_folder(args)
    current = workstation_server(folder)
    if args.url and args.off:
        return fail("Give a URL or --off, not both.", 2)
    if not args.url and not args.off:
        print(f"This workstation uses the ward record on {current}." if current else
              "This workstation uses the data folder's own record.")
        return 0
    if args.url and not is_database_url(args.url):
        return fail("A database server is named by a postgresql:// URL.", 2)
    if args.off and current is None:
        print("This workstation uses the data folder's own record already.")
        return 0
    if not args.user:
        return fail("Sign in: --user NAME --password-stdin (an administrator of the server's "
                    "record).", 2)
    # Signed in on the server's record it names (a given --database is not asked).
    args.database = args.url or current

    def body(_folder, db, who) -> int:
        set_workstation_server(db, who.user, folder, None if args.off else args.url)
        if args.off:
            print("This workstation uses the data folder's own record again.")
        else:
            print("This workstation now uses the ward record on the server, in the window and "
                  "in every command (--database or $NEUROCHECK_DATABASE still come first).")
        return 0

    return with_signed_in(args, "workstation_server", body)
