"""Sections, placeholders, pauses and quizzes, driven without a terminal."""

import io

import pytest
from rich.console import Console

from dlcourse.course.render import Screen, fill, right_answer, split_sections
from dlcourse.errors import Quit

QUESTION = {"ask": "2 + 2?", "choices": ["3", "4", "5"], "answer": 2, "why": "It is {{n}}."}


def screen(replies, **kw):
    replies = iter(replies)
    out = io.StringIO()
    s = Screen(console=Console(file=out, width=100), ask=lambda prompt: next(replies), **kw)
    return s, out


def test_split_sections_by_markers():
    text = "# Title\nintro\n<!-- one -->\n## One\nbody\n<!-- two-b -->\nmore\n"
    assert split_sections(text) == {"": "# Title\nintro", "one": "## One\nbody",
                                    "two-b": "more"}


def test_fill_formats_and_refuses_missing_values():
    assert fill("H = {{h:.3f}} bits, n = {{ n }}", {"h": 1.20751, "n": 3}) == \
        "H = 1.208 bits, n = 3"
    with pytest.raises(KeyError):
        fill("{{missing}}", {})


def test_no_pause_means_no_input_is_read():
    s, _ = screen([], pause=False)
    s.wait()  # would raise StopIteration if it read


def test_pause_continues_on_enter_and_quits_on_q():
    s, _ = screen(["", "q"], pause=True)
    s.wait()
    with pytest.raises(Quit):
        s.wait()


def test_end_of_input_at_a_pause_quits():
    def closed(prompt):
        raise EOFError

    with pytest.raises(Quit):
        Screen(console=Console(file=io.StringIO()), pause=True, ask=closed).wait()


def test_quiz_counts_right_answers_and_explains():
    s, out = screen(["2", "1"], quiz=True)
    assert s.quiz_questions([QUESTION, QUESTION], {"n": 4}) == 1
    text = out.getvalue()
    assert "Right." in text and "Not quite" in text and "It is 4." in text


def test_a_computed_answer_overrides_the_default_one():
    question = {**QUESTION, "answer_from": "right"}
    s, out = screen(["3", "3"], quiz=True)
    assert s.quiz_questions([question], {"n": 4, "right": 3}) == 1  # the run says 3
    assert s.quiz_questions([question], {"n": 4}) == 0  # not computed: the default, 2
    assert "the answer is 2" in out.getvalue()


@pytest.mark.parametrize(("value", "right"), [(0.5, 1), (0.85, 2), (0.9, 2), (0.97, 3)])
def test_an_answer_by_ranges_is_graded_from_the_runs_value(value, right):
    question = {**QUESTION, "answer_by": {"value": "acc", "above": [0.85, 0.95]}}
    assert right_answer(question, {"acc": value}) == right
    assert right_answer(question, {}) == QUESTION["answer"]  # before the run: the default


def test_quiz_asks_again_after_a_bad_reply():
    s, out = screen(["seven", "9", "2"], quiz=True)
    assert s.quiz_questions([QUESTION], {"n": 4}) == 1
    assert out.getvalue().count("Type a number from 1 to 3") == 2


def test_quiz_q_quits():
    s, _ = screen(["q"], quiz=True)
    with pytest.raises(Quit):
        s.quiz_questions([QUESTION], {"n": 4})


def test_quiz_off_asks_nothing():
    s, _ = screen([], quiz=False)
    assert s.quiz_questions([QUESTION], {"n": 4}) == 0


def test_without_a_tty_nothing_pauses(monkeypatch, tmp_path):
    """Run through the real entry point with stdin not a terminal: no prompt appears."""
    from tests.conftest import run_dlcourse

    result = run_dlcourse("explain", "checklist")
    assert result.returncode == 0
    assert "Enter to continue" not in result.stdout and "Quiz" not in result.stdout


def test_long_code_pages_a_screenful_at_a_time_and_never_wraps_a_line():
    out = io.StringIO()
    prompts = []
    console = Console(file=out, width=60, height=30, color_system=None)
    s = Screen(console=console, pause=True, ask=lambda p: prompts.append(p) or "")
    code = "\n".join(f"x{i} = some_call(argument_one, argument_two, argument_three)"
                     for i in range(50))
    s.code(code, "demo")
    assert len(prompts) == 1, "52 lines on a 30-row screen: one 'more' pause"
    lines = out.getvalue().splitlines()
    for i in range(50):  # each line of code is one line on screen, cut at the edge
        assert sum(line.startswith(f"│ x{i} = ") for line in lines) == 1
    assert "lines cut at the screen's edge" in out.getvalue()


def test_without_pauses_nothing_asks_to_page():
    console = Console(file=io.StringIO(), width=60, height=30)
    s = Screen(console=console, pause=False, ask=lambda p: pytest.fail("asked"))
    s.table("t", ["a"], [[str(i)] for i in range(100)])


def test_a_figure_falls_back_to_half_blocks_where_the_terminal_has_no_graphics(tmp_path):
    from PIL import Image

    path = tmp_path / "red.png"
    Image.new("RGB", (40, 30), (200, 30, 30)).save(path)
    out = io.StringIO()  # a terminal (colours on) that answers no graphics query
    s = Screen(console=Console(file=out, width=60, height=30, force_terminal=True), images=True)
    s.figure(path)
    text = out.getvalue()
    assert "▀" in text or "▄" in text, "drawn with half-block characters"
    assert path.as_uri() in text, "and its path as a clickable link"


def test_a_figure_drawn_on_screen_waits_before_the_next_one_scrolls_it_away(tmp_path):
    from PIL import Image

    paths = [tmp_path / f"{name}.png" for name in ("curves", "confusion")]
    for path in paths:
        Image.new("RGB", (40, 30), (30, 30, 200)).save(path)
    out, asked = io.StringIO(), []
    s = Screen(console=Console(file=out, width=60, height=30, force_terminal=True),
               images=True, pause=True, ask=lambda prompt: asked.append(out.getvalue()) or "")
    for path in paths:
        s.figure(path)
    assert len(asked) == 2 and paths[1].as_uri() not in asked[0]
    with pytest.raises(Quit):  # q at the pause leaves
        Screen(console=Console(file=io.StringIO(), width=60, height=30, force_terminal=True),
               images=True, pause=True, ask=lambda prompt: "q").figure(paths[0])


def test_a_figure_is_only_a_link_when_output_is_not_a_terminal(tmp_path):
    out = io.StringIO()
    s = Screen(console=Console(file=out, width=60, color_system=None), images=True)
    s.figure(tmp_path / "curves.png")
    assert out.getvalue().strip() == f"Figure: {tmp_path / 'curves.png'}"


def test_section_titles_in_help_show_no_placeholders_or_markup():
    from dlcourse.course.render import section_titles

    titles = section_titles({"": "# Page", "run": "## Training: {{iterations}} steps at "
                             "lr = {{lr:g}}\n\ntext", "shape": "## `view` and **reshape**"})
    assert titles == {"run": "Training: … steps at lr = …", "shape": "view and reshape"}
