"""Where a ward record on a PostgreSQL server is, and whether it may be reached that way.

A workstation names the server with a libpq URL (`postgresql://HOST/DB?sslmode=verify-full`)
or connection string. The rules, each refused in one line that never repeats the address
(it could hold a password):
- no password in the address: the address is typed on command lines (which every user of
  the computer can list) and kept in settings; the password belongs in libpq's password
  file (`~/.pgpass`, or the file `PGPASSFILE` names), which libpq refuses to read unless
  only its owner can;
- a server on another computer is reached over TLS with its certificate checked against
  the hospital's authority and its name (`sslmode=verify-full`); a server on this computer
  (a Unix socket, localhost) needs no TLS.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.store.errors import StoreError

LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


class ServerAddressRefused(StoreError):
    """The server's address cannot be used as given; the message says what to change."""


@dataclass(frozen=True)
class ServerAddress:
    """A checked address of a PostgreSQL ward record."""

    conninfo: str  # as given: handed to libpq unchanged
    host: str  # "" for libpq's default Unix socket
    port: str
    dbname: str
    local: bool  # on this computer (a Unix socket or a loopback address)

    def describe(self) -> str:
        """The address in words for a status line: host and database, never a password."""
        where = "this computer" if self.local and not self.host.startswith("/") else (
            self.host or "this computer")
        return f"database {self.dbname or '(default)'} on {where}"


def is_server_address(text: str) -> bool:
    """True when `text` names a PostgreSQL server rather than a data folder."""
    return text.strip().lower().startswith(("postgresql://", "postgres://"))


def parse_server_address(text: str) -> ServerAddress:
    """Check `text` (a libpq URL or connection string) against the rules above."""
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    try:
        fields = conninfo_to_dict(text)
    except ProgrammingError:
        # libpq's message quotes the address, and the address may carry a password.
        raise ServerAddressRefused(
            "the database address is neither a postgresql:// URL nor a libpq connection "
            "string") from None
    if fields.get("password"):
        raise ServerAddressRefused(
            "the database address holds a password: remove it and put it in the PostgreSQL "
            "password file (~/.pgpass, readable by its owner only) instead")
    # hostaddr (a numeric address) is where libpq connects when both are given.
    hosts = str(fields.get("hostaddr") or fields.get("host") or "").split(",")
    if len(hosts) > 1:
        raise ServerAddressRefused("the database address names several servers: name one")
    host = hosts[0]
    local = host in LOCAL_HOSTS or host.startswith("/")
    sslmode = str(fields.get("sslmode", ""))
    if not local and sslmode != "verify-full":
        raise ServerAddressRefused(
            f"the database server {host} is on another computer: add sslmode=verify-full "
            "(and sslrootcert=FILE, the hospital's certificate authority) to its address, so "
            "the connection is encrypted and the server proven to be the one named")
    return ServerAddress(conninfo=text, host=host, port=str(fields.get("port", "")),
                         dbname=str(fields.get("dbname", "")), local=local)
