"""The progress file: what lessons, pages, quizzes and exercises record; `dlcourse progress`
and list's ✓; a corrupt or unwritable file; several processes writing at once."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from io import StringIO

from rich.console import Console

from dlcourse.course import learner, runner
from dlcourse.course.render import Screen


def test_the_progress_file_lives_where_dlcourse_home_says(tmp_path, monkeypatch):
    assert learner.path() == tmp_path / "home" / "progress.json"  # conftest's isolation
    monkeypatch.delenv("DLCOURSE_HOME")
    assert learner.path().name == "progress.json"
    assert "dlcourse" in learner.path().parts[-2]


def test_a_lesson_records_its_result_and_quiz_score_and_names_its_exercises(catalogue):
    """The sine lesson, run with a quiz answered "1" throughout: the score it prints is the
    one the progress file keeps, its key result is recorded, its recap names its exercise."""
    out = StringIO()
    screen = Screen(console=Console(file=out, width=100), quiz=True, ask=lambda prompt: "1")
    assert runner.start("sine", ["--out", "run"], screen=screen) == 0
    text = out.getvalue()
    right, asked = map(int, re.search(r"Quiz: (\d+) of (\d+) right", text).groups())
    lesson = json.loads(learner.path().read_text())["lessons"]["sine"]
    assert lesson["quiz"] == {"right": right, "of": asked} and asked >= 2
    assert lesson["runs"] == 1 and lesson["result"]["key"] == "loss"
    metrics = json.loads(open("run/metrics.json").read())
    assert lesson["result"]["value"] == metrics["final"]["loss"]
    assert "Practise: dlcourse exercise start double-it: Double a number." in text
    assert text.index("Practise:") < text.index("Next on the course path")


def test_an_explain_page_records_that_it_was_read_and_its_quiz(cli, catalogue, monkeypatch):
    import typer.testing

    from dlcourse.cli import app

    monkeypatch.setattr("dlcourse.course.render.is_interactive", lambda: True)
    result = typer.testing.CliRunner().invoke(app, ["explain", "backprop", "--no-pause"],
                                              input="1\n" * 20)
    assert result.exit_code == 0, result.output
    right, asked = map(int, re.search(r"Quiz: (\d+) of (\d+) right", result.output).groups())
    page = json.loads(learner.path().read_text())["topics"]["backprop"]
    assert page["reads"] == 1 and page["quiz"] == {"right": right, "of": asked}
    assert "Practise: dlcourse exercise start add-one" in " ".join(result.output.split())


def test_a_page_left_with_q_is_not_counted_as_read(catalogue, monkeypatch):
    import typer.testing

    from dlcourse.cli import app

    monkeypatch.setattr("dlcourse.course.render.is_interactive", lambda: True)
    result = typer.testing.CliRunner().invoke(app, ["explain", "backprop"], input="q\n")
    assert result.exit_code == 0, result.output
    assert not learner.path().exists()


def test_progress_shows_what_is_done_and_what_comes_next(cli, catalogue):
    learner.record_lesson("sine", {"loss": 95.79, "test_accuracy": 0.969}, quiz=(2, 3))
    learner.record_page("backprop")
    learner.record_check("double-it", "passed", learner.path())
    raw = cli("progress").raw
    sine = next(line for line in raw.splitlines() if "lesson sine" in line)
    assert "✓" in sine and "test accuracy 96.9 %" in sine and "2/3" in sine
    assert "✓ double-it" in sine
    backprop = next(line for line in raw.splitlines() if "explain backprop" in line)
    assert "✓" in backprop and "read" in backprop and "add-one" in backprop
    out = " ".join(raw.split())
    assert "Done: 2 of" in out and "1 of 2 exercises passed" in out
    # the step after the furthest one done (backprop), not the skipped first one
    assert re.search(r"Next on the course path \(\d+/\d+\): dlcourse lesson housing", out)
    assert "Next exercise: dlcourse exercise next (add-one: Add one)" in out


def test_list_marks_what_is_done(cli):
    learner.record_lesson("sine", {"loss": 1.0})
    rows = [line for line in cli("list").raw.splitlines() if re.match(r"│ \d", line)]
    sine = next(row for row in rows if " sine " in row)
    assert "✓" in sine
    assert not any("✓" in row for row in rows if row is not sine)
    assert "dlcourse exercise list" in cli("list").output


def test_reset_asks_first_and_yes_skips_the_question(cli):
    learner.record_page("backprop")
    cli("progress", "--reset", code=1)  # CliRunner's empty input answers no: aborted
    assert learner.path().exists()
    assert "Progress cleared" in cli("progress", "--reset", "--yes").output
    assert not learner.path().exists()


def test_a_corrupt_progress_file_is_set_aside_in_one_line(cli, tmp_path):
    learner.folder().mkdir(parents=True)
    learner.path().write_text('{"lessons": {"sine": ')
    out = cli("progress").output
    assert re.search(r"Your progress file .*progress\.json could not be read \(.*\); it was set "
                     r"aside as progress\.json\.corrupt-\d{8}-\d{6} and progress starts afresh\.",
                     out)
    aside = list(learner.folder().glob("progress.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text() == '{"lessons": {"sine": '
    assert learner.record_page("backprop")
    assert json.loads(learner.path().read_text())["topics"]["backprop"]["reads"] == 1


def test_a_file_that_holds_no_object_counts_as_corrupt(capsys):
    learner.folder().mkdir(parents=True)
    learner.path().write_text("[1, 2]")
    assert learner.load() == {}
    assert "it does not hold a JSON object" in capsys.readouterr().err


def test_a_progress_folder_that_cannot_be_written_never_stops_a_command(cli, catalogue,
                                                                        tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("DLCOURSE_HOME", str(tmp_path / "a-file" / "home"))
    out = cli("exercise", "hint", "double-it").output  # exit 0 all the same
    assert "hint 1 of 2" in out and "Progress not saved" in out
    assert learner.record_lesson("sine", {"loss": 1.0}) is False


WRITER = """
import sys
from dlcourse.course import learner

def bump(data):
    data["count"] = data.get("count", 0) + 1
    data.setdefault("writers", {}).setdefault(sys.argv[1], 0)
    data["writers"][sys.argv[1]] += 1

for i in range(int(sys.argv[2])):
    assert learner.update(bump)
    learner.record_check(f"exercise-{sys.argv[1]}-{i % 3}", "failed", learner.path())
"""


def test_several_processes_writing_at_once_lose_nothing(tmp_path):
    """Four processes each add 1 to one counter 25 times (read-modify-write under the
    lock): without the lock, increments are lost and the count falls short of 100."""
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(n), "25"],
                                stderr=subprocess.PIPE, text=True) for n in range(4)]
    errors = [w.communicate(timeout=120)[1] for w in writers]
    assert all(w.returncode == 0 for w in writers), errors
    data = json.loads(learner.path().read_text())
    assert data["count"] == 100
    assert data["writers"] == {str(n): 25 for n in range(4)}
    checks = {name: e["checks"] for name, e in data["exercises"].items()}
    assert checks == {f"exercise-{n}-{k}": 9 if k == 0 else 8 for n in range(4) for k in range(3)}
    assert not list(learner.folder().glob(".*.part")), "no half-written file left behind"
