"""`dlcourse replay`: a finished run shown again from its folder, without training."""

import io
import json
import re
import sys

import pytest
from rich.console import Console
from rich.markdown import Markdown

from dlcourse.course import catalog, replay
from dlcourse.course.render import Screen, fill, right_answer, split_sections
from dlcourse.errors import UserError
from dlcourse.i18n import shown
from tests.conftest import run_dlcourse

LESSONS = list(catalog.load()["lesson"])
# seconds-long runs: the image lessons' --dry-run; the others are short, or made short
QUICK = {"sine": ["--iterations", "200"], "housing": ["--offline", "--epochs", "3"]}


# the lessons that train with a recipe: they probe their speed and plan their run
RECIPE_LESSONS = {"mnist", "lenet", "resnet", "vgg", "augmentation", "cross-entropy", "transfer"}


def quick(name: str) -> list[str]:
    entry = catalog.get("lesson", name)
    images = entry.dataset in ("mnist", "cifar10")
    return QUICK.get(name, ["--dry-run", "--offline"] if images else [])


def rendered(markdown: str) -> str:
    """A section as the terminal shows it, whitespace collapsed."""
    console = Console(file=io.StringIO(), width=100, color_system=None)
    console.print(Markdown(markdown))
    return " ".join(console.file.getvalue().split())


def collapse(text: str) -> str:
    return " ".join(re.sub(r"\x1b\[[0-9;]*m", "", text).split())


@pytest.mark.slow
@pytest.mark.parametrize("name", LESSONS)
def test_a_dry_run_and_its_replay_show_the_same_sections(cli, tmp_path, name):
    """Every lesson, seconds long on the bundled sample: it completes, says its speed and
    plan, saves figures; and its replay shows the same sections from the saved run."""
    out = tmp_path / "run"
    live = cli("lesson", name, *quick(name), "--no-pause", "--out", str(out)).output
    again = cli("replay", str(out), "--no-pause").output
    run = json.loads((out / "metrics.json").read_text())
    assert run["status"] == "complete"
    if name in RECIPE_LESSONS:
        assert list(out.glob("*.png")), "every training lesson saves figures"
        assert 0 <= run["final"]["test_accuracy"] <= 1
        assert run["data"]["source"] == "sample" and run["data"]["train"] >= 10_000
        assert "sample data" in live and "Speed here: " in live and "Plan (" in live
        if name != "transfer":  # its runs are fixed in epochs and images; only time is sized
            assert "Plan (sized to this lesson's" in live
        assert run["speed"]["variant"] in run["speed"]["timings"]
        assert run["plan"]["epochs"] >= 1 and run["plan"]["seconds"] > 0
    sections = split_sections(catalog.read_text(catalog.get("lesson", name)))
    blocks = [b for b in run["transcript"] if b["kind"] == "section"]
    assert blocks, "the transcript keeps the sections"
    for block in blocks:
        values = {key: shown(value) for key, value in block["values"].items()}
        text = rendered(fill(sections[block["key"]], values))
        assert text in live, f"section {block['key']} differs from the live run's"
        assert text in again, f"section {block['key']} missing from the replay"
    for q in catalog.read_quiz(catalog.get("lesson", name)):  # computed answers come from the run
        key = q.get("answer_from") or q.get("answer_by", {}).get("value")
        if key:
            assert key in run["final"], f"the run does not record {key}, which grades {q['ask']}"
            assert 1 <= right_answer(q, run["final"]) <= len(q["choices"])
    epochs = [row for b in run["transcript"] if b["kind"] == "training" for row in b["rows"]]
    for row in epochs:  # the epoch table, from the saved rows
        assert f"{row['test_accuracy']:.1%}" in again


def test_replay_paces_the_epochs_and_starts_without_torch(tmp_path):
    out = tmp_path / "run"
    assert run_dlcourse("lesson", "lenet", "--dry-run", "--no-pause", "--out", str(out),
                        "--epochs", "2").returncode == 0
    code = ("import sys, time; from dlcourse.cli import main; sys.argv = ['dlcourse', "
            f"'replay', {str(out)!r}, '--pace', '0.3'];\nt = time.perf_counter()\ntry:\n"
            "    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
            "print('took', time.perf_counter() - t)\n"
            "print('torch' in sys.modules, 'matplotlib' in sys.modules)")
    import subprocess

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "False False", "replay imported torch or matplotlib"
    assert float(lines[-2].split()[1]) >= 2 * 0.3, "two epochs at --pace 0.3 take 0.6 s"


def write(folder, content: str):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.json").write_text(content)
    return folder


@pytest.mark.parametrize(("content", "message"), [
    (None, "holds no metrics.json"),
    ("{not json", "cannot be read"),
    (json.dumps({"lesson": "sine", "final": {}, "history": []}), "older dlcourse"),
    (json.dumps({"format": 2, "lesson": "poetry", "final": {}, "transcript": []}),
     "not from a lesson"),
    (json.dumps({"format": 2, "lesson": "sine", "final": {}}), "damaged"),
])
def test_a_folder_replay_cannot_use_gets_one_sentence(cli, tmp_path, content, message):
    folder = tmp_path / "run"
    if content is None:
        folder.mkdir()
    else:
        write(folder, content)
    out = cli("replay", str(folder), code=2).output
    assert message in out and "Traceback" not in out


def test_a_run_of_another_lesson_is_named(tmp_path):
    folder = write(tmp_path / "run", json.dumps(
        {"format": 2, "lesson": "sine", "final": {}, "transcript": []}))
    with pytest.raises(UserError, match="a run of 'sine', not 'resnet'"):
        replay.show(folder, screen=Screen(console=Console(file=io.StringIO())),
                    lesson="resnet")


def test_values_that_no_longer_fit_the_text_are_one_sentence(cli, tmp_path):
    folder = write(tmp_path / "run", json.dumps({
        "format": 2, "lesson": "sine", "final": {},
        "transcript": [{"kind": "section", "key": "results", "values": {}}]}))
    assert "does not match this version" in cli("replay", str(folder), code=2).output


class Terminal:
    """A real pseudo-terminal running dlcourse: what a teacher's keyboard and screen see."""

    def __init__(self, *args: str):
        import os
        import pty
        import subprocess

        self.os = os
        self.master, slave = pty.openpty()
        env = {**os.environ, "COLUMNS": "100", "LINES": "30", "TERM": "xterm"}
        self.process = subprocess.Popen([sys.executable, "-m", "dlcourse", *args],
                                        stdin=slave, stdout=slave, stderr=slave, env=env)
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout: float = 60) -> str:
        """Read until `text` appears (whitespace and colours aside); return what came."""
        import select
        import time

        start, end = len(self.seen), time.monotonic() + timeout
        while collapse(text) not in collapse(self.seen[start:]):
            ready, _, _ = select.select([self.master], [], [], max(0, end - time.monotonic()))
            if not ready:
                raise AssertionError(f"no {text!r} in:\n{self.seen[start:]}")
            try:
                self.seen += self.os.read(self.master, 65536).decode(errors="replace")
            except OSError:  # the process ended
                raise AssertionError(f"ended before {text!r}:\n{self.seen[start:]}") from None
        return self.seen[start:]

    def send(self, keys: str) -> None:
        self.os.write(self.master, (keys + "\r").encode())

    def close(self) -> int:
        code = self.process.wait(timeout=60)
        self.os.close(self.master)
        return code


PROMPT = "q: quit ›"
SINE = split_sections(catalog.read_text(catalog.get("lesson", "sine")))


def heading(key: str) -> str:
    """A sine section's title, up to its first placeholder."""
    return SINE[key].splitlines()[0].lstrip("# ").split("{{")[0].strip()


@pytest.fixture(scope="module")
def sine_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "sine"
    done = run_dlcourse("lesson", "sine", "--iterations", "200", "--no-pause", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def test_navigation_in_a_replay_jumps_back_repeats_and_quits(sine_run):
    first, second, third = heading("idea"), heading("gradients"), heading("run")
    term = Terminal("replay", str(sine_run), "--quiz", "off")
    assert first in collapse(term.expect(PROMPT))
    term.send("3")  # ahead: a replay has every section
    shown = collapse(term.expect(PROMPT))
    assert third in shown and first not in shown and second not in shown
    term.send("b")  # back to section 2, which the jump passed over
    assert second in collapse(term.expect(PROMPT))
    term.send("r")  # the same section again
    assert second in collapse(term.expect(PROMPT))
    term.send("")  # Enter: forward to section 3, already shown
    assert third in collapse(term.expect(PROMPT))
    term.send("q")
    assert term.close() == 0


def test_navigation_in_a_live_lesson_goes_back_but_not_ahead(tmp_path):
    term = Terminal("lesson", "sine", "--iterations", "200", "--quiz", "off",
                    "--out", str(tmp_path / "run"))
    term.expect(PROMPT)
    term.send("5")
    assert "Section 5 comes later in this run" in collapse(term.expect(PROMPT))
    term.send("")  # on to section 2
    term.expect(PROMPT)
    term.send("1")
    assert heading("idea") in collapse(term.expect(PROMPT))
    term.send("q")
    assert term.close() == 0


def test_teacher_mode_never_reads_standard_input(tmp_path, sine_run):
    """--quiz reveal shows every question and its answer; with stdin closed nothing waits."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", "dlcourse", "replay", str(sine_run),
                           "--quiz", "reveal"], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    questions = catalog.read_quiz(catalog.get("lesson", "sine"))
    out = collapse(done.stdout)
    for q in questions:
        assert collapse(q["ask"]) in out
    assert out.count("Answer:") == len(questions)


def test_from_starts_at_a_section_and_a_wrong_one_lists_them(cli, sine_run):
    out = cli("replay", str(sine_run), "--no-pause", "--from", "results").output
    assert heading("results") in out and heading("idea") not in out
    bad = cli("replay", str(sine_run), "--from", "nowhere", code=2).output
    assert "1 idea" in bad and "results" in bad


REFERENCES = sorted(p.name for p in (catalog.assets_dir() / "reference").glob("*")
                    if (p / "metrics.json").exists())


@pytest.mark.parametrize("name", REFERENCES)
def test_every_shipped_reference_run_replays_offline(cli, name):
    """`dlcourse replay LESSON`: the reference run in assets/, every section filled, every
    figure it names present, and the hardware and date it was made on stated."""
    out = cli("replay", name, "--no-pause").output
    run = replay.load(replay.reference(name))
    assert run["status"] == "complete" and run["machine"]["cpu"] and run["started"]
    for block in run["transcript"]:
        if block["kind"] == "figure":
            assert (replay.reference(name) / block["file"]).exists(), block["file"]
    assert "missing from" not in out and f"{run['started'][:10]}" in out


def test_every_image_lesson_ships_a_reference_run_on_the_full_data():
    images = [n for n in LESSONS if catalog.get("lesson", n).dataset in ("mnist", "cifar10")]
    assert images and [n for n in images if n not in REFERENCES] == []
    for name in images:
        run = replay.load(replay.reference(name))
        assert run["data"]["source"] != "sample", f"{name}: made on the bundled sample"
        assert run["data"]["train"] >= 17_000, f"{name}: made on a subset of the data"


def test_reference_runs_stay_small():
    files = [p for p in (catalog.assets_dir() / "reference").rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 2_500_000


def test_a_lesson_without_a_reference_run_says_so(cli):
    missing = next(n for n in LESSONS if n not in REFERENCES)
    assert "No reference run" in cli("replay", missing, code=2).output
