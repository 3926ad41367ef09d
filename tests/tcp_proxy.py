"""A PostgreSQL server that can be "stopped" and "started" under a test: a TCP relay on
127.0.0.1 in front of the test server (its TCP port or its unix socket). `stop()` closes
the relay and every connection through it, as a server going down (or the network cut)
does; `start()` listens again on the same port, as the server coming back.
`start(silent=True)` listens but never answers, as a network that is cut without a word:
a connection gets through to the relay and then hears nothing.

The test's libpq password file, if any, gets a copy of its lines for the relay's address,
so a role that signs in with a password signs in through the relay too.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from psycopg.conninfo import conninfo_to_dict


class StoppableServer:
    """A relay to the server of `url`; `url_through` is the same database through it."""

    def __init__(self, url: str, folder: Path) -> None:
        params = conninfo_to_dict(url)
        host, port = str(params.get("host") or "localhost"), int(params.get("port") or 5432)
        self.target = (("unix", f"{host}/.s.PGSQL.{port}") if host.startswith("/")
                       else ("tcp", (host, port)))
        self.listener: socket.socket | None = None
        self.port = 0
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        self.silent = False
        self.start()
        parts = urlsplit(url)
        user = params.get("user")
        netloc = f"{user}@127.0.0.1:{self.port}" if user else f"127.0.0.1:{self.port}"
        self.url_through = urlunsplit(parts._replace(netloc=netloc, query=""))
        self.passfile = self._passfile(folder, port)

    def _passfile(self, folder: Path, port: int) -> Path | None:
        original = os.environ.get("PGPASSFILE")
        if not original or not Path(original).is_file():
            return None
        lines = Path(original).read_text(encoding="utf-8").splitlines()
        extra = []
        for line in lines:
            fields = line.split(":", 4)
            if len(fields) == 5 and fields[1] in (str(port), "*"):
                extra.append(":".join(["127.0.0.1", str(self.port), *fields[2:]]))
        path = folder / "pgpass"
        path.touch(mode=0o600)
        path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
        return path

    def start(self, *, silent: bool = False) -> None:
        self.silent = silent
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self.lock:
            connections, self.connections = self.connections, []
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            if self.silent:  # held open, never answered
                with self.lock:
                    self.connections.append(client)
                continue
            kind, address = self.target
            server = socket.socket(socket.AF_UNIX if kind == "unix" else socket.AF_INET,
                                   socket.SOCK_STREAM)
            try:
                server.connect(address)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
