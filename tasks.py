#!/usr/bin/env python3
"""Project tasks with nothing but Python: a private virtual environment, then the command.

    python3 tasks.py run [--demo] [APP ARGS]   install, then launch NeuroCheck
    python3 tasks.py test [PYTEST ARGS]        install, lint, then run the whole test suite
    python3 tasks.py bench [--quick]           install, then run the benchmark suite (--quick:
                                               without the 1,000,000-exam record; --server
                                               URL: also on an empty PostgreSQL database)
    python3 tasks.py build                     install, then build the installer
    python3 tasks.py lint                      ruff over the project

The environment lives in .venv/ beside this file and is refreshed when pyproject.toml
changes. Set NEUROCHECK_VENV to use another folder.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("NEUROCHECK_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_environment(extras: str) -> None:
    """Create the virtual environment and install the project when its inputs changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 (this file may be run by an older Python)
        sys.exit(f"NeuroCheck needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print(f"Creating the environment in {VENV.name}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'app'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print("Installing NeuroCheck and its dependencies ...", flush=True)
    target = f".[{extras}]" if extras else "."
    pip([str(PYTHON), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    pip([str(PYTHON), "-m", "pip", "install", "-q", "-e", target])
    stamp.write_text(digest)


def pip(command: list[str]) -> None:
    """Run pip quietly; on failure show all it said and stop."""
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        sys.exit(f"Installing failed (pip exit {result.returncode}); see the messages above.")


def call(*args: str) -> int:
    return subprocess.call([str(PYTHON), *args], cwd=ROOT)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    task, rest = argv[0], argv[1:]
    if task == "run":
        ensure_environment("")
        if "--demo" in rest:
            rest = [a for a in rest if a != "--demo"]
            return call("-m", "desktop_app", *rest, "demo", "--launch")
        return call("-m", "desktop_app", *rest)
    if task == "test":
        ensure_environment("test")
        lint = call("-m", "ruff", "check", "desktop_app", "tests", "tasks.py", "build_installer.py")
        if lint:
            return lint
        return call("-m", "pytest", *rest)
    if task == "lint":
        ensure_environment("test")
        return call("-m", "ruff", "check", "desktop_app", "tests", "tasks.py", "build_installer.py")
    if task == "bench":
        ensure_environment("test")
        return call("-m", "desktop_app.bench", *rest)
    if task == "build":
        ensure_environment("test,build")
        return call("build_installer.py", *rest)
    print(f"Unknown task {task!r}.\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
