"""`migrate-to-server URL`: move this data folder's record onto a new, empty PostgreSQL
database, with its signing keys, and prove the copy complete. The file stays as it was;
point the workstations at the server afterwards (--database, $NEUROCHECK_DATABASE)."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    from desktop_app.commands.sign_in import add_sign_in

    add_sign_in(parser)
    parser.add_argument("url", metavar="URL",
                        help="the new, empty database: postgresql://USER@HOST/DATABASE (the "
                        "password in ~/.pgpass; sslmode=verify-full for another computer)")


def run(args: argparse.Namespace) -> int:
    from desktop_app.commands.records import with_signed_in
    from desktop_app.record import migrate_to_server

    def body(folder, db, who) -> int:
        report = migrate_to_server(db, folder, who.user, args.url)
        rows = sum(report.rows.values())
        print(f"Moved {rows} rows and {report.keys} signing-key files onto the server, "
              f"proven complete: the same rows in every table, and the full check passed "
              f"there ({report.check.summary()}).")
        print("The data folder's record is unchanged. Point every workstation at the server "
              "now (--database or NEUROCHECK_DATABASE), and keep the file as the last copy "
              "of the old setup.")
        return 0

    # The file the record moves from: never the server a --database option names.
    return with_signed_in(args, "migrate_to_server", body, on_server=False)
