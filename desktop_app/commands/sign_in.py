"""The sign-in options every command that reads or changes the record takes, and reading
the password. Light on purpose: each command's `configure` imports it, and `assess` must
start without loading the record's code."""

from __future__ import annotations

import argparse
import getpass
import sys


def add_sign_in(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """`--user NAME --password-stdin`."""
    parser.add_argument("--user", metavar="NAME", required=required,
                        help="your user name: the command is done, and audited, as you")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read your password from the first line of standard input")


def stdin_line() -> str:
    """One line of standard input without its line ending (spaces are kept)."""
    return sys.stdin.readline().rstrip("\r\n")


def read_password(args: argparse.Namespace) -> str | None:
    """The password: the first line of standard input with --password-stdin, else asked
    on the terminal; None when neither is possible."""
    if getattr(args, "password_stdin", False):
        return stdin_line()
    if sys.stdin.isatty():
        return getpass.getpass(f"Password for {args.user}: ")
    return None
