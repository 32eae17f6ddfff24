"""Every test runs in its own folder, with its own data cache and no display."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Point runs, the data and speed caches, crash files, the progress file and matplotlib
    at tmp_path; never touch the user's. DLCOURSE_DEBUG is cleared so a developer's setting
    cannot change what is tested, and DLCOURSE_EXERCISES so the course's own exercises are.
    English is the language unless a test asks for Korean, whatever the machine's locale."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DLCOURSE_LANG", "en")
    monkeypatch.setenv("DLCOURSE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DLCOURSE_EXERCISES", raising=False)
    monkeypatch.setenv("DLCOURSE_DATA", str(tmp_path / "data-cache"))
    monkeypatch.setenv("DLCOURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DLCOURSE_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("DLCOURSE_DEBUG", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("COLUMNS", "100")
    return tmp_path


class Cli:
    """CliRunner around the Typer app; a failed expectation shows the whole output."""

    def __init__(self):
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0) -> Output:
        result = self.runner.invoke(app, list(args))
        assert result.exit_code == code, (
            f"exit {result.exit_code}, expected {code}\n--- output ---\n{result.output}"
            f"\n--- exception ---\n{result.exception!r}"
        )
        return Output(" ".join(result.output.split()), result.output)


@dataclass
class Output:
    output: str  # whitespace collapsed, so rich's line wrapping cannot split a phrase
    raw: str


@pytest.fixture
def cli():
    return Cli()


def run_dlcourse(*args: str, timeout: float = 120, **env) -> subprocess.CompletedProcess:
    """The real command in a subprocess, as a user runs it (no TTY)."""
    return subprocess.run(
        [sys.executable, "-m", "dlcourse", *args], capture_output=True, text=True,
        timeout=timeout, env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
    )
