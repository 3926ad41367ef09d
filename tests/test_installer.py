"""The installer build: PyInstaller, the platform's archive, and the built app's smoke test."""

from __future__ import annotations

import subprocess
import sys
import tarfile

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux archive is checked")
def test_build_packs_the_app_and_its_smoke_test_passes(tmp_path):
    dist, work = tmp_path / "dist", tmp_path / "work"
    result = subprocess.run(
        [sys.executable, "build_installer.py", "--dist", str(dist), "--work", str(work)],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "smoke test passed" in result.stdout
    archives = list(dist.glob("NeuroCheck-*-linux-*.tar.gz"))
    assert len(archives) == 1
    with tarfile.open(archives[0]) as tar:
        names = set(tar.getnames())
    assert "NeuroCheck/NeuroCheck" in names
    assert any(n.endswith("resources/fonts/DejaVuSans.ttf") for n in names)
    assert any(n.endswith("resources/exam.schema.json") for n in names)
    assert not any("QtWebEngine" in n or "Qt3D" in n for n in names)
