"""`user add|list|disable|enable|reset-password|reissue-key|password`: the accounts that
sign in, with their signing keys.

Every action signs in first (`--user NAME --password-stdin`, an administrator except for
`list` and `password`), the password on the first line of standard input, never on the
command line (which other users of the machine can read). A new password, where one is
needed, is the second line. The very first `user add` sets the installation up: it needs
no `--user`, and its password is the first line.
"""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    from desktop_app.commands.sign_in import add_sign_in

    actions = parser.add_subparsers(dest="user_action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add", help="create an account and its signing key (the first one sets the "
        "installation up and must be an administrator); the new password is the second "
        "line of standard input (the first, for the first account)")
    add.add_argument("name", metavar="NAME", help="the sign-in name")
    add.add_argument("--role", required=True, choices=("nurse", "clinician", "admin"))
    add.add_argument("--full-name", required=True, metavar="TEXT",
                     help="the name printed on signed notes")
    add.add_argument("--credentials", metavar="TEXT", help="e.g. RN, MD")
    add_sign_in(add, required=False)
    add_sign_in(actions.add_parser("list", help="list the accounts"), required=False)
    for action, words in (
            ("disable", "disable an account (it can no longer sign in; its key is revoked)"),
            ("enable", "enable a disabled account, with a new password (second line) and key"),
            ("reset-password", "set a new password (second line) and a new signing key"),
            ("reissue-key", "a new signing key; the user's own password is the second line")):
        sub = actions.add_parser(action, help=words)
        sub.add_argument("name", metavar="NAME")
        add_sign_in(sub)
    add_sign_in(actions.add_parser(
        "password", help="change your own password: the current one on the first line, "
        "the new one on the second"))


def run(args: argparse.Namespace) -> int:
    from desktop_app.commands.records import (
        EXIT_INVALID,
        fail,
        print_utf8,
        sign_in_for,
        stdin_line,
        with_database,
        with_signed_in,
    )
    from desktop_app.record import accounts
    from desktop_app.record.reads import InvalidValue, has_users, list_users

    def next_password(words: str) -> str:
        """The next line of standard input (--password-stdin), else asked on the terminal."""
        import getpass
        import sys

        if args.password_stdin:
            return stdin_line()
        if sys.stdin.isatty():
            return getpass.getpass(f"{words}: ")
        raise InvalidValue("give the passwords on standard input with --password-stdin")

    def add(folder, db) -> int:
        if not has_users(db):
            if args.user:
                return fail("the first account sets the installation up: give no --user",
                            EXIT_INVALID)
            user = accounts.add_user(db, folder, args.name, full_name=args.full_name,
                                     role=args.role,
                                     password=next_password(f"New password for {args.name}"),
                                     credentials=args.credentials)
        else:
            if not args.user:
                return fail("adding an account takes an administrator: --user NAME "
                            "--password-stdin", EXIT_INVALID)
            who = sign_in_for(args, db, "manage_accounts")
            user = accounts.add_user(db, folder, args.name, full_name=args.full_name,
                                     role=args.role,
                                     password=next_password(f"New password for {args.name}"),
                                     credentials=args.credentials, admin=who.user,
                                     admin_password=who.password)
        print(f"User {user.name} added ({user.role}), with a signing key.")
        return 0

    def show(_folder, db, _who) -> int:
        for user in list_users(db):
            state = "disabled" if user.disabled else "active"
            credentials = f", {user.credentials}" if user.credentials else ""
            print_utf8(f"{user.name}\t{user.role}\t{state}\t{user.full_name}{credentials}\n")
        return 0

    def change(folder, db, who) -> int:
        admin = {"admin": who.user, "admin_password": who.password}
        if args.user_action == "disable":
            user = accounts.disable_user(db, folder, args.name, **admin)
            print(f"User {user.name} disabled; their signing key is revoked.")
        elif args.user_action == "enable":
            user = accounts.enable_user(db, folder, args.name,
                                        next_password(f"New password for {args.name}"), **admin)
            print(f"User {user.name} enabled, with a new password and signing key.")
        elif args.user_action == "reset-password":
            user = accounts.reset_password(db, folder, args.name,
                                           next_password(f"New password for {args.name}"),
                                           **admin)
            print(f"Password of {user.name} reset; they have a new signing key.")
        else:
            user = accounts.reissue_key(db, folder, args.name,
                                        next_password(f"{args.name}'s own password"), **admin)
            print(f"User {user.name} has a new signing key; the old one is revoked.")
        return 0

    def own(folder, db) -> int:
        old = next_password("Current password")
        new = next_password("New password")
        user = accounts.change_own_password(db, folder, args.user, old, new)
        print(f"Password of {user.name} changed.")
        return 0

    if args.user_action == "add":
        return with_database(args, add)
    if args.user_action == "list":
        def first_step(folder, db) -> int:
            if not has_users(db):
                print("No users yet: the first `user add ... --role admin` sets the "
                      "installation up.")
                return 0
            if not args.user:
                return fail("listing the accounts takes --user NAME --password-stdin",
                            EXIT_INVALID)
            return show(folder, db, sign_in_for(args, db, "read_record"))

        return with_database(args, first_step)
    if args.user_action == "password":
        return with_database(args, own)
    return with_signed_in(args, "manage_accounts", change)
