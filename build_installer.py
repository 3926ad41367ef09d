#!/usr/bin/env python3
"""Build the standalone NeuroCheck application and pack it for this platform.

    python3 tasks.py build            (or: python build_installer.py inside the environment)

1. PyInstaller, one folder, windowed, resources and fonts included, unused Qt modules left
   out, reportlab's barcode modules collected.
2. Packs it: a .tar.gz on Linux; an Inno Setup installer on Windows when `iscc` is on the
   PATH (else a .zip); a zipped .app bundle on macOS.
3. Starts the built program with `--smoke-test` offscreen (window, wizard, a signed and
   verified note in a temporary folder) and fails the build if that fails.

The output lands in dist/; the archive's name carries the version and the platform.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
NAME = "NeuroCheck"
OTHER_QT_BINDINGS = ("PyQt5", "PyQt6", "PySide2")
# Qt modules the application never imports; leaving them out keeps the build small.
UNUSED_QT = (
    "Qt3DAnimation", "Qt3DCore", "Qt3DExtras", "Qt3DInput", "Qt3DLogic", "Qt3DRender",
    "QtBluetooth", "QtConcurrent", "QtDataVisualization", "QtDesigner", "QtGraphs",
    "QtGraphsWidgets", "QtHelp", "QtHttpServer", "QtLocation", "QtMultimedia",
    "QtMultimediaWidgets", "QtNetworkAuth", "QtNfc", "QtPositioning", "QtQml", "QtQuick",
    "QtQuick3D", "QtQuickControls2", "QtQuickTest", "QtQuickWidgets", "QtRemoteObjects",
    "QtScxml", "QtSensors", "QtSerialBus", "QtSerialPort", "QtSpatialAudio", "QtSql",
    "QtStateMachine", "QtTest", "QtTextToSpeech", "QtUiTools", "QtWebChannel",
    "QtWebEngineCore", "QtWebEngineQuick", "QtWebEngineWidgets", "QtWebSockets", "QtWebView",
    "QtXml", "QtAxContainer", "QtCanvasPainter",
)
OTHER_UNUSED = ("tkinter", "pytest", "hypothesis", "pypdf", "fhir", "IPython", "matplotlib")


def version() -> str:
    for line in (ROOT / "desktop_app" / "__init__.py").read_text().splitlines():
        if line.startswith("__version__"):
            return line.split("=")[1].strip().strip("\"'")
    raise SystemExit("no __version__ in desktop_app/__init__.py")


def check_environment() -> None:
    """Exactly one Qt binding, or PyInstaller may bundle the wrong one."""
    present = [name for name in OTHER_QT_BINDINGS if importlib.util.find_spec(name)]
    if present:
        raise SystemExit(f"other Qt bindings are installed ({', '.join(present)}): build in an "
                         "environment with PySide6 only")
    for needed in ("PyInstaller", "PySide6"):
        if not importlib.util.find_spec(needed):
            raise SystemExit(f"{needed} is not installed: run `python3 tasks.py build`")


def pyinstaller(work: Path, dist: Path) -> Path:
    """Run PyInstaller; returns the built folder (or .app bundle on macOS)."""
    entry = work / "neurocheck_entry.py"
    work.mkdir(parents=True, exist_ok=True)
    entry.write_text("import sys\nfrom desktop_app.cli import main\n\nsys.exit(main())\n")
    separator = ";" if os.name == "nt" else ":"
    args = [
        sys.executable, "-m", "PyInstaller", str(entry),
        "--name", NAME, "--onedir", "--windowed", "--noconfirm", "--clean", "--log-level", "WARN",
        "--workpath", str(work), "--distpath", str(dist), "--specpath", str(work),
        "--paths", str(ROOT),
        "--add-data", f"{ROOT / 'resources'}{separator}resources",
        "--collect-submodules", "desktop_app",
        "--collect-submodules", "reportlab.graphics.barcode",
        "--collect-data", "reportlab",
        "--collect-data", "jsonschema_specifications",
        "--collect-data", "pyhanko",
        "--hidden-import", "argon2._ffi",
    ]
    for module in UNUSED_QT:
        args += ["--exclude-module", f"PySide6.{module}"]
    for module in OTHER_UNUSED:
        args += ["--exclude-module", module]
    subprocess.run(args, cwd=ROOT, check=True)
    built = dist / (f"{NAME}.app" if sys.platform == "darwin" else NAME)
    if not built.exists():
        raise SystemExit(f"PyInstaller finished but {built} is missing")
    return built


def executable(built: Path) -> Path:
    if sys.platform == "darwin":
        return built / "Contents" / "MacOS" / NAME
    return built / (f"{NAME}.exe" if os.name == "nt" else NAME)


def smoke_test(built: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("NEUROCHECK_DATA_DIR", None)
    result = subprocess.run([str(executable(built)), "--smoke-test"], env=env,
                            capture_output=True, text=True, timeout=300)
    sys.stdout.write(result.stdout)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"the built application failed its smoke test (exit {result.returncode})")


INNO_SCRIPT = """
[Setup]
AppName={name}
AppVersion={version}
DefaultDirName={{autopf}}\\{name}
DefaultGroupName={name}
OutputDir={out}
OutputBaseFilename={name}-{version}-setup
PrivilegesRequired=admin
UninstallDisplayIcon={{app}}\\{name}.exe

[Files]
Source: "{built}\\*"; DestDir: "{{app}}"; Flags: recursesubdirs

[Icons]
Name: "{{group}}\\{name}"; Filename: "{{app}}\\{name}.exe"
Name: "{{group}}\\Uninstall {name}"; Filename: "{{uninstallexe}}"
"""


def pack(built: Path, dist: Path) -> Path:
    """The platform's archive or installer of the built application."""
    machine = platform.machine().lower() or "unknown"
    stem = f"{NAME}-{version()}"
    if sys.platform.startswith("linux"):
        archive = dist / f"{stem}-linux-{machine}.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(built, arcname=NAME)
        return archive
    if os.name == "nt" and shutil.which("iscc"):
        script = dist / f"{NAME}.iss"
        script.write_text(INNO_SCRIPT.format(name=NAME, version=version(), out=dist, built=built))
        subprocess.run(["iscc", str(script)], check=True)
        return dist / f"{stem}-setup.exe"
    suffix = "macos" if sys.platform == "darwin" else "windows"
    archive = dist / f"{stem}-{suffix}-{machine}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(built.rglob("*")):
            zipped.write(path, Path(built.name) / path.relative_to(built))
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller",
                        help="PyInstaller's work folder")
    parser.add_argument("--skip-smoke-test", action="store_true",
                        help="do not start the built program (not for release builds)")
    args = parser.parse_args(argv)
    check_environment()
    built = pyinstaller(args.work, args.dist)
    if not args.skip_smoke_test:
        smoke_test(built)
    archive = pack(built, args.dist)
    size = archive.stat().st_size / 1024 / 1024
    print(f"built {archive.relative_to(ROOT) if archive.is_relative_to(ROOT) else archive} "
          f"({size:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
