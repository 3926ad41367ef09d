"""`user add|list|disable`: the accounts that sign in, with their signing keys.

Passwords come from standard input, never the command line (which other users of the
machine can read): `add` reads the new user's password from the first line and, after the
installation is set up, the administrator's (`--admin NAME`) from the second; `disable`
reads the administrator's from the first line.
"""

from __future__ import annotations

import argparse
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="user_action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add", help="create an account and its signing key (the first one sets the "
        "installation up and must be an administrator)")
    add.add_argument("name", metavar="NAME", help="the sign-in name")
    add.add_argument("--role", required=True, choices=("nurse", "clinician", "admin"))
    add.add_argument("--full-name", required=True, metavar="TEXT",
                     help="the name printed on signed notes")
    add.add_argument("--credentials", metavar="TEXT", help="e.g. RN, MD")
    add.add_argument("--password-stdin", action="store_true", required=True,
                     help="read the password from the first line of standard input")
    add.add_argument("--admin", metavar="NAME",
                     help="an administrator authorizing this (password: second line of stdin)")
    actions.add_parser("list", help="list the accounts")
    disable = actions.add_parser("disable", help="disable an account (it can no longer sign in)")
    disable.add_argument("name", metavar="NAME")
    disable.add_argument("--admin", metavar="NAME", required=True,
                         help="an administrator authorizing this (password: first line of stdin)")
    disable.add_argument("--password-stdin", action="store_true",
                         help="accepted for symmetry with add; the password is always read "
                         "from standard input")


def _stdin_line() -> str:
    """One line of standard input without its line ending (spaces are kept)."""
    return sys.stdin.readline().rstrip("\r\n")


def run(args: argparse.Namespace) -> int:
    from desktop_app.commands.records import print_utf8, with_database
    from desktop_app.store import add_user, disable_account, list_users

    def add(folder, db) -> int:
        password = _stdin_line()
        admin_password = _stdin_line() if args.admin else None
        user = add_user(db, folder, args.name, full_name=args.full_name, role=args.role,
                        password=password, credentials=args.credentials,
                        admin_name=args.admin, admin_password=admin_password)
        print(f"User {user.name} added ({user.role}), with a signing key.")
        return 0

    def show(_folder, db) -> int:
        users = list_users(db)
        if not users:
            print("No users yet: the first `user add ... --role admin` sets the installation up.")
        for user in users:
            state = "disabled" if user.disabled else "active"
            credentials = f", {user.credentials}" if user.credentials else ""
            print_utf8(f"{user.name}\t{user.role}\t{state}\t{user.full_name}{credentials}\n")
        return 0

    def disable(folder, db) -> int:
        user = disable_account(db, folder, args.name, admin_name=args.admin,
                               admin_password=_stdin_line())
        print(f"User {user.name} disabled.")
        return 0

    return with_database(args, {"add": add, "list": show, "disable": disable}[args.user_action])
