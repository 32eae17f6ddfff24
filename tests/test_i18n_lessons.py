"""Every lesson (a seconds-long dry run) and every explain page, rendered in Korean: nothing
missing, and no paragraph of English prose left in what the learner reads."""

from __future__ import annotations

import re

import pytest

from dlcourse.course import catalog
from tests.test_i18n_pages import hangul_share
from tests.test_replay import quick

LESSONS = list(catalog.load()["lesson"])
TOPICS = list(catalog.load()["topic"])
_FRAME = re.compile(r"[│┃║╭╮╰╯┏┓┗┛━─┡┩┼╇]")  # tables and panels: code, layers, epochs
_PATH = re.compile(r"(/[\w.\-]+)+/?|\b[\w.\-]+\.(png|json|pt|csv|py|toml)\b")  # paths, files
_COMMAND = re.compile(r"dlcourse( [\w.\-]+)+|--[\w\-]+")  # what the learner types
# names from code in a sentence: nn.Sequential, train_one_epoch, model.to(device)
_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+(\(\w*\))?|[A-Za-z0-9]*_[A-Za-z0-9_]*",
                   re.ASCII)
# a Markdown code block, as rich pads it: a blank row of spaces above and below
_BLOCK = re.compile(r"^ {20,}\n.*?^ {20,}$", re.MULTILINE | re.DOTALL)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
# a line of code or a formula: no Hangul, and Python's or algebra's punctuation
_CODE = re.compile(r"=|\w\(|\"\"\"|^\s*(def|class|import|from|return|for|if|with|#)\b|:$")


def _prose(line: str) -> bool:
    return not _FRAME.search(line) and (_HANGUL.search(line) or not _CODE.search(line))


def english_prose(output: str) -> list[str]:
    """The paragraphs of terminal output that read as English: tables, code panels and
    progress bars (drawn with box characters), lines of code, commands, options and file
    paths left out."""
    paragraphs = re.split(r"\n\s*\n", _BLOCK.sub("\n\n", output))
    found = []
    for paragraph in paragraphs:
        lines = [line for line in paragraph.splitlines() if _prose(line)]
        text = _NAME.sub(" ", _COMMAND.sub(" ", _PATH.sub(" ", " ".join(lines))))
        share = hangul_share(text)
        if share is not None and share < 0.5:
            found.append(" ".join(text.split())[:120])
    return found


def unclosed_bold(output: str) -> list[str]:
    """Lines outside code panels that still show Markdown's ** (x**2 in code is fine)."""
    return [line for line in output.splitlines() if "**" in line and not _FRAME.search(line)]


@pytest.mark.slow
@pytest.mark.parametrize("name", LESSONS)
def test_lesson_in_korean(cli, tmp_path, name):
    out = cli("lesson", name, *quick(name), "--no-pause", "--quiz", "reveal", "--lang", "ko",
              "--out", str(tmp_path / "run")).raw
    assert english_prose(out) == []
    assert unclosed_bold(out) == []
    # the run keeps its words as messages, not as Korean text: replayed in English, no
    # value it filled into the text (a verdict, a trend, "all") is left in Korean
    english = cli("replay", str(tmp_path / "run"), "--no-pause", "--quiz", "reveal").raw
    assert [line for line in english.splitlines() if _HANGUL.search(line)] == []


@pytest.mark.parametrize("name", TOPICS)
def test_explain_page_in_korean(cli, name):
    out = cli("explain", name, "--no-pause", "--quiz", "reveal", "--lang", "ko").raw
    assert english_prose(out) == []
    assert unclosed_bold(out) == []


def test_english_prose_is_found():
    english = "The loss falls as the model learns.\n\n손실이 줄어듭니다.\n"
    assert english_prose(english) == ["The loss falls as the model learns."]
    assert english_prose("│ for x in loader: loss.backward() │\n/tmp/run/a.png") == []
    assert english_prose("def f(x):\n    return x.sum()\n") == []
    assert english_prose("다음 단계: dlcourse exercise start largest-stable-lr --dir x") == []
    assert english_prose("파일: metrics.json curves.png model.pt") == []
    assert english_prose("nn.Sequential과 nn.Module 하위 클래스") == []
    block = f"PyTorch의 말:\n\n{' ' * 40}\n mat1 and mat2 must have the same dtype\n{' ' * 40}\n"
    assert english_prose(block) == []
    assert english_prose("Use nn.Sequential for a stack of layers.") != []


def test_bold_closes_before_a_korean_particle(cli):
    from io import StringIO

    from rich.console import Console

    from dlcourse.course.render import Screen

    buffer = StringIO()
    Screen(Console(file=buffer, width=60)).markdown("정확도 **64.45%**에, **버퍼(buffer)**로")
    assert unclosed_bold(buffer.getvalue()) == []
    assert "64.45%" in buffer.getvalue() and "버퍼(buffer)" in buffer.getvalue()


def test_a_run_made_in_english_replays_in_korean(cli, tmp_path):
    """metrics.json keeps messages as keys and values, so notes, table titles and headers
    come back in the replay's language, not the run's."""
    run = tmp_path / "run"
    english = cli("lesson", "mnist", *quick("mnist"), "--no-pause", "--quiz", "off",
                  "--out", str(run)).raw
    assert "Speed here:" in english
    korean = cli("replay", str(run), "--no-pause", "--quiz", "reveal", "--lang", "ko").raw
    assert "Speed here:" not in korean and "이 컴퓨터의 속도:" in korean
    assert english_prose(korean) == []
    again = cli("replay", str(run), "--no-pause", "--quiz", "off").raw
    assert "Speed here:" in again and "이 컴퓨터의 속도" not in again
