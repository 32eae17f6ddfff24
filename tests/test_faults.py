"""When things go wrong that the user did not cause: a bug in dlcourse, a terminal that
cannot show the text. Each must end in one paragraph and a documented exit code."""

import re
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from dlcourse.cli import app
from dlcourse.course import catalog
from tests.conftest import run_dlcourse

CRASH_FILE = re.compile(r"crash-\d{8}-\d{6}-\d+\.txt")


def _boom():
    raise RuntimeError("boom")


@pytest.fixture
def broken_list(monkeypatch):
    """`dlcourse list` with a bug in it (the catalogue and the course path it reads are
    cached, so both are broken)."""
    monkeypatch.setattr(catalog, "load", _boom)
    monkeypatch.setattr(catalog, "path", _boom)


def crash_files(tmp_path):
    return sorted((tmp_path / "logs").glob("crash-*.txt"))


def test_a_bug_is_one_paragraph_with_its_traceback_in_a_file(broken_list, tmp_path):
    result = CliRunner().invoke(app, ["list"])
    assert result.exit_code == 1
    paragraph = result.stderr.strip()
    assert "\n\n" not in paragraph and "Traceback" not in result.output
    text = " ".join(paragraph.split())
    assert text.startswith("Bug in dlcourse: this is not something you did wrong.")
    assert "RuntimeError: boom." in text
    assert text.endswith("please include it when you report the bug.")
    [crash] = crash_files(tmp_path)
    assert CRASH_FILE.fullmatch(crash.name)
    assert str(crash) in "".join(paragraph.split())  # rich may wrap the long path
    saved = crash.read_text()
    assert "Traceback" in saved and "RuntimeError: boom" in saved and "dlcourse 0." in saved


def test_a_bug_with_an_unwritable_log_folder_still_ends_in_one_paragraph(
        broken_list, tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("")  # no folder can be made under a file, even by root
    monkeypatch.setenv("DLCOURSE_LOG_DIR", str(tmp_path / "a-file" / "logs"))
    result = CliRunner().invoke(app, ["list"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    text = " ".join(result.stderr.split())
    assert "RuntimeError: boom. The traceback could not be saved" in text
    assert "DLCOURSE_DEBUG=1" in text


def test_dlcourse_debug_lets_the_traceback_through(broken_list, tmp_path, monkeypatch):
    monkeypatch.setenv("DLCOURSE_DEBUG", "1")
    result = CliRunner().invoke(app, ["list"])
    assert isinstance(result.exception, RuntimeError) and str(result.exception) == "boom"
    assert "Bug in dlcourse" not in result.output and not crash_files(tmp_path)


@pytest.mark.parametrize("stop, code", [(SystemExit(3), 3), (typer.Exit(4), 4),
                                        (typer.Abort(), 1)])
def test_deliberate_exits_pass_through_untouched(stop, code, tmp_path, monkeypatch):
    def stop_here():
        raise stop

    monkeypatch.setattr(catalog, "load", stop_here)
    monkeypatch.setattr(catalog, "path", stop_here)
    result = CliRunner().invoke(app, ["list"])
    assert result.exit_code == code
    assert "Bug in dlcourse" not in result.output and not crash_files(tmp_path)


def test_usage_errors_are_clicks_not_bugs(cli, tmp_path):
    assert "Missing argument" in cli("explain", code=2).output
    assert not crash_files(tmp_path)


def test_a_bug_in_a_real_process_exits_1_without_a_traceback(tmp_path):
    code = ("import sys\n"
            "from dlcourse.course import catalog\n"
            "def boom():\n    raise RuntimeError('boom')\n"
            "catalog.load = boom\n"
            "sys.argv = ['dlcourse', 'list']\n"
            "from dlcourse.cli import main\n"
            "main()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    assert "RuntimeError: boom." in " ".join(result.stderr.split())
    [crash] = crash_files(tmp_path)
    assert str(crash) in "".join(result.stderr.split())
    assert "Traceback" in crash.read_text()


@pytest.mark.parametrize("args", [["list"], ["explain", "cross-entropy", "--no-pause",
                                             "--quiz", "off"]])
def test_a_terminal_that_cannot_encode_the_text_gets_replacements(args):
    result = run_dlcourse(*args, PYTHONIOENCODING="ascii")
    assert result.returncode == 0, result.stderr
    assert "UnicodeEncodeError" not in result.stderr and "Traceback" not in result.stderr
    assert result.stdout.strip()
