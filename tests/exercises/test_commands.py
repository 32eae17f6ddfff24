"""`dlcourse exercise ...` as a learner meets it, through CliRunner, on the tiny catalogue of
conftest.py; the check runner (a subprocess with a time limit) on learner files that loop
forever, do not parse, or raise deep inside their own code."""

from __future__ import annotations

import json
import re

import pytest

from dlcourse.course import learner
from dlcourse.exercises import catalog, commands, launch

SOLVED = "def double(x):\n    return 2 * x\n"
WRONG = "def double(x):\n    print('trying', x)\n    return x + x if x < 3 else 3 * x\n"


def progress() -> dict:
    return json.loads(learner.path().read_text())


def test_the_tiny_catalogue_is_valid_and_validation_finds_faults(catalogue):
    assert catalog.validate() == []
    (catalogue / "checks" / "add_one.py").unlink()
    text = (catalogue / "exercises.toml").read_text()
    (catalogue / "exercises.toml").write_text(
        text.replace('step = "lesson sine"', 'step = "lesson sinus"')
        .replace('name = "add-one"', 'name = "Add_One"'))
    problems = catalog.validate()
    assert "double-it: step 'lesson sinus' is no lesson or topic of the course" in problems
    assert "Add_One: checks/add_one.py is missing" in problems
    assert any(p.startswith("Add_One: a name is lowercase") for p in problems)


def test_list_numbers_them_with_their_step_and_state(cli, catalogue):
    out = cli("exercise", "list").raw
    rows = [line for line in out.splitlines() if re.match(r"│ \d", line)]
    assert len(rows) == 2
    assert all(s in rows[0] for s in ("1", "double-it", "lesson sine", "not started"))
    assert all(s in rows[1] for s in ("2", "add-one", "topic backprop", "not started"))
    assert "0 of 2 passed" in out


def test_start_writes_the_starter_and_shows_the_task(cli, catalogue, tmp_path):
    out = cli("exercise", "start", "double-it").output
    written = tmp_path / "dlcourse-exercises" / "double_it.py"
    assert written.read_text() == (catalogue / "starters" / "double_it.py").read_text()
    assert "Write `double(x)`, which returns `2 * x`." in out
    assert "dlcourse-exercises/double_it.py (written)" in out
    assert "dlcourse exercise check double-it" in out
    assert "(already there, untouched)" in cli("exercise", "start", "double-it").output


def test_start_never_overwrites_an_edited_file_without_force(cli, catalogue, tmp_path):
    cli("exercise", "start", "double-it")
    mine = tmp_path / "dlcourse-exercises" / "double_it.py"
    mine.write_text(WRONG)
    out = cli("exercise", "start", "double-it", code=2).output
    assert "already holds your work on double-it" in out and "--force" in out
    assert mine.read_text() == WRONG
    out = cli("exercise", "start", "double-it", "--force").output
    assert "your version is kept as double_it.py.bak" in out
    assert mine.read_text() == (catalogue / "starters" / "double_it.py").read_text()
    assert mine.with_name("double_it.py.bak").read_text() == WRONG


def test_the_loop_start_fail_hint_solution_pass(cli, catalogue, tmp_path):
    cli("exercise", "start", "double-it")
    mine = tmp_path / "dlcourse-exercises" / "double_it.py"
    out = cli("exercise", "check", "double-it", code=1).output
    assert "Not started yet" in out and "NotImplementedError" in out
    out = cli("exercise", "solution", "double-it", code=2).output  # not before a failed check
    assert "Try double-it first" in out and "--force" in out

    mine.write_text(WRONG)
    out = cli("exercise", "check", "double-it", code=1).output
    assert "double(x): expected 6, got 9" in out and "for x = 3" in out
    assert "trying 3" in out, "what the learner's code printed is shown"
    assert "tried" in cli("exercise", "list").output

    assert "hint 1 of 2" in cli("exercise", "hint", "double-it").output
    out = cli("exercise", "hint", "double-it").output
    assert "Hint 1: Multiply by two." in out and "hint 2 of 2" in out and "return 2 * x" in out
    assert "last hint" in cli("exercise", "hint", "double-it").output
    assert progress()["exercises"]["double-it"]["hints"] == 2

    assert "return 2 * x" in cli("exercise", "solution", "double-it").output
    mine.write_text(SOLVED)
    out = cli("exercise", "check", "double-it").output
    assert "✓ Passed: Double a number." in out
    assert "Next: dlcourse exercise start add-one" in out
    assert "✓ passed" in cli("exercise", "list").output
    entry = progress()["exercises"]["double-it"]
    assert entry["state"] == "passed" and entry["checks"] == 3 and entry["failed"] == 1
    assert commands.practise_lines("lesson", "sine") == [
        "[bold]Practise:[/] [bold cyan]dlcourse exercise start double-it[/]: Double a number."
        " [green](✓ passed)[/]"]


def test_solution_with_force_before_any_check(cli, catalogue):
    assert "return x + 1" in cli("exercise", "solution", "add-one", "--force").output


def test_next_starts_the_first_not_passed_then_says_where_it_is(cli, catalogue, tmp_path):
    assert "Exercise 1: Double a number" in cli("exercise", "next").output
    assert (tmp_path / "dlcourse-exercises" / "double_it.py").is_file()
    out = cli("exercise", "next").output
    assert "You have started it: dlcourse-exercises/double_it.py" in out
    (tmp_path / "dlcourse-exercises" / "double_it.py").write_text(SOLVED)
    cli("exercise", "check", "double-it")
    assert "Exercise 2: Add one" in cli("exercise", "next").output
    (tmp_path / "dlcourse-exercises" / "add_one.py").write_text(
        "def add_one(x):\n    return x + 1\n")
    cli("exercise", "check", "add-one")
    assert "All 2 exercises are passed." in cli("exercise", "next").output


def test_dir_puts_the_workspace_elsewhere_and_check_finds_it(cli, catalogue, tmp_path):
    mine = tmp_path / "elsewhere" / "ws"
    out = cli("exercise", "start", "add-one", "--dir", str(mine)).output
    assert (mine / "add_one.py").is_file() and not (tmp_path / "dlcourse-exercises").exists()
    assert f"dlcourse exercise check add-one --dir {mine}" in out
    (mine / "add_one.py").write_text("def add_one(x):\n    return x + 1\n")
    out = cli("exercise", "check", "add-one", code=2).output  # forgot --dir
    assert f"you started add-one in {mine}. Pass --dir {mine}" in out
    cli("exercise", "check", "add-one", "--dir", str(mine))


def test_check_before_start_says_to_start(cli, catalogue):
    out = cli("exercise", "check", "add-one", code=2).output
    assert ("You have not started add-one yet: `dlcourse exercise start add-one` writes "
            "dlcourse-exercises/add_one.py") in out


@pytest.mark.parametrize("command", ["start", "check", "hint", "solution"])
def test_unknown_exercise_exits_2_with_the_close_name(cli, catalogue, command):
    out = cli("exercise", command, "doubleit", code=2).output
    assert "There is no exercise called 'doubleit'. Did you mean double-it?" in out
    assert "Traceback" not in out


def test_a_workspace_that_cannot_be_written_is_one_sentence(cli, catalogue, tmp_path):
    (tmp_path / "a-file").write_text("")
    out = cli("exercise", "start", "add-one", "--dir", str(tmp_path / "a-file" / "ws"),
              code=2).output
    assert out.startswith("Error: Cannot write the exercise folder")
    assert "Pass --dir with a folder you can write to." in out and "Traceback" not in out


# --- the check runner --------------------------------------------------------------------------
def run_check(catalogue, tmp_path, source: str, **kwargs) -> launch.Verdict:
    mine = tmp_path / "double_it.py"
    mine.write_text(source)
    return launch.check(catalog.get("double-it"), mine, **kwargs)


def test_a_learner_loop_that_never_ends_is_stopped_at_the_time_limit(catalogue, tmp_path):
    verdict = run_check(catalogue, tmp_path, "def double(x):\n    while True:\n        pass\n",
                        time_limit=1)
    assert verdict.status == "error" and verdict.timed_out
    assert "still running after 1 s, so it was stopped" in verdict.message


def test_a_syntax_error_shows_its_line(catalogue, tmp_path):
    verdict = run_check(catalogue, tmp_path, "def double(x):\n    return (2 * x\n\nY = 1\n")
    assert verdict.status == "error"
    assert verdict.message.splitlines()[:2] == ["double_it.py, line 2:", "    return (2 * x"]
    assert "SyntaxError: '(' was never closed" in verdict.message


def test_a_traceback_is_cut_to_the_learners_own_file(catalogue, tmp_path):
    source = "def double(x):\n    return helper(x)\n\n\ndef helper(x):\n    return x / None\n"
    verdict = run_check(catalogue, tmp_path, source)
    assert verdict.status == "error"
    assert verdict.message == (
        "double_it.py, line 2, in double:\n    return helper(x)\n"
        "double_it.py, line 6, in helper:\n    return x / None\n"
        "TypeError: unsupported operand type(s) for /: 'int' and 'NoneType'")


def test_the_learners_module_works_like_an_imported_one(catalogue, tmp_path):
    """A dataclass with postponed annotations needs its module in sys.modules."""
    source = ("from __future__ import annotations\nimport dataclasses\n\n\n"
              "@dataclasses.dataclass\nclass Two:\n    k: int = 2\n\n\n"
              "def double(x):\n    return Two().k * x\n")
    assert run_check(catalogue, tmp_path, source).passed


def test_sys_exit_in_the_learners_file_is_their_error(catalogue, tmp_path):
    verdict = run_check(catalogue, tmp_path, "import sys\nsys.exit(3)\n")
    assert verdict.status == "error" and "your file called sys.exit(3)" in verdict.message


def test_a_check_that_crashes_is_reported_as_a_bug(catalogue, tmp_path):
    (catalogue / "checks" / "double_it.py").write_text("import no_such_module\n")
    verdict = run_check(catalogue, tmp_path, SOLVED)
    assert verdict.bug and "ModuleNotFoundError" in verdict.message


def test_the_check_runs_on_the_cpu_with_cuda_hidden(catalogue, tmp_path):
    (catalogue / "checks" / "double_it.py").write_text(
        "import os\nimport torch\n\n\ndef check(learner):\n"
        "    print(repr(os.environ['CUDA_VISIBLE_DEVICES']), torch.empty(1).device)\n")
    verdict = run_check(catalogue, tmp_path, SOLVED)
    assert verdict.passed and verdict.output == "'' cpu\n"


def test_the_course_catalogue_is_valid():
    """The real lessons/exercises/: every entry has its starter, solution and check, and
    practises a step of the course."""
    assert catalog.load(), "lessons/exercises/exercises.toml lists no exercise"
    assert catalog.validate() == []


def test_the_first_course_exercise_through_the_commands(cli, tmp_path):
    """The real catalogue's first exercise: its starter does not pass; its reference does."""
    first = catalog.load()[0]
    cli("exercise", "start", first.name)
    cli("exercise", "check", first.name, code=1)
    mine = tmp_path / "dlcourse-exercises" / first.file
    mine.write_text(first.solution.read_text())
    assert "✓ Passed" in cli("exercise", "check", first.name).output
