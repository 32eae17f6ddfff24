"""The Korean pages mirror the English ones: the same sections, the same placeholders, the
same quiz answers, and Korean prose (not English left behind) in every paragraph."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from dlcourse.course.render import placeholders, split_sections

LESSONS = Path(__file__).resolve().parent.parent / "lessons"
KO = LESSONS / "ko"
PAGES = sorted(p.relative_to(LESSONS) for p in LESSONS.rglob("*.md") if KO not in p.parents)
QUIZZES = sorted(p.relative_to(LESSONS) for p in LESSONS.rglob("*.quiz.toml")
                 if KO not in p.parents)
_CODE = re.compile(r"```.*?```|`[^`]*`|\{\{[^}]*\}\}|https?://\S+", re.S)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")
# a Korean paragraph may quote English terms in parentheses; English prose has no Hangul
MIN_HANGUL_SHARE = 0.5


def hangul_share(text: str) -> float | None:
    """Hangul letters among the letters of prose: code, placeholders and links aside; None
    where the text has too few letters to judge (a formula, a list of option names)."""
    prose = _CODE.sub(" ", text)
    hangul, latin = len(_HANGUL.findall(prose)), len(_LATIN.findall(prose))
    return None if hangul + latin < 12 else hangul / (hangul + latin)


def english_paragraphs(text: str) -> list[str]:
    """The paragraphs of `text` that read as English."""
    paragraphs = re.split(r"\n\s*\n", _CODE.sub(" ", text))
    return [p.strip()[:80] for p in paragraphs
            if (share := hangul_share(p)) is not None and share < MIN_HANGUL_SHARE]


def test_every_english_page_and_quiz_is_found():
    assert len(PAGES) >= 18 and len(QUIZZES) >= 18


def test_no_korean_file_without_an_english_one():
    for path in KO.rglob("*"):
        if path.is_file() and path.suffix in {".md", ".toml"}:
            assert (LESSONS / path.relative_to(KO)).exists(), f"{path} mirrors nothing"


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_page_mirrors_its_english_sections_and_placeholders(page):
    english = split_sections((LESSONS / page).read_text(encoding="utf-8"))
    korean_file = KO / page
    assert korean_file.exists(), f"no Korean page {korean_file}"
    korean = split_sections(korean_file.read_text(encoding="utf-8"))
    assert list(korean) == list(english), "the sections differ in keys or order"
    for key in english:
        assert placeholders(korean[key]) == placeholders(english[key]), f"section {key!r}"
        assert english_paragraphs(korean[key]) == [], f"English prose in section {key!r}"


def _questions(path: Path) -> list[dict]:
    return tomllib.loads(path.read_text(encoding="utf-8"))["question"]


@pytest.mark.parametrize("quiz", QUIZZES, ids=str)
def test_quiz_mirrors_its_english_answers_and_placeholders(quiz):
    english = _questions(LESSONS / quiz)
    korean_file = KO / quiz
    assert korean_file.exists(), f"no Korean quiz {korean_file}"
    korean = _questions(korean_file)
    assert len(korean) == len(english)
    for number, (en, ko) in enumerate(zip(english, korean, strict=True), 1):
        assert set(ko) == set(en), f"question {number}: other fields"
        for field in ("answer", "answer_by", "answer_from", "predict"):
            assert ko.get(field) == en.get(field), f"question {number}: {field}"
        assert len(ko["choices"]) == len(en["choices"]), f"question {number}: choices"
        for field in ("ask", "why"):
            assert placeholders(ko[field]) == placeholders(en[field]), f"question {number}"
            assert english_paragraphs(ko[field]) == [], f"question {number}: English {field}"
        for en_choice, ko_choice in zip(en["choices"], ko["choices"], strict=True):
            assert placeholders(ko_choice) == placeholders(en_choice), f"question {number}"


def test_the_hangul_share_tells_korean_from_english():
    assert english_paragraphs("The loss falls as the model learns: 0.5 → 0.1.") != []
    assert english_paragraphs("모델이 학습할수록 손실(loss)이 줄어듭니다: `loss.backward()`.") == []
    assert english_paragraphs("`--epochs 5`, `--lr 0.1`") == []  # code only: not judged
