"""Korean beside English: choosing the language, the message catalogues kept in step, the
catalogue and exercise overlays, and figures drawn with Hangul."""

from __future__ import annotations

import re
import string
import tomllib
import warnings
from pathlib import Path

import pytest

from dlcourse import i18n
from dlcourse.course import catalog
from dlcourse.exercises import catalog as exercises

REPO = Path(__file__).resolve().parent.parent
AREAS = sorted(p.stem for p in (i18n.LOCALE_DIR / "en").glob("*.toml"))


@pytest.fixture
def korean():
    i18n.set_language("ko")
    yield
    i18n.set_language(None)


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "en"),
    ({"LANG": "ko_KR.UTF-8"}, "ko"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "ko_KR.UTF-8", "LC_ALL": "C.UTF-8"}, "en"),  # LC_ALL outranks LANG
    ({"LC_MESSAGES": "ko_KR"}, "ko"),
    ({"DLCOURSE_LANG": "ko", "LANG": "en_US.UTF-8"}, "ko"),  # ours outranks the locale
    ({"DLCOURSE_LANG": "en", "LANG": "ko_KR.UTF-8"}, "en"),
])
def test_language_from_the_environment(monkeypatch, env, expected):
    for variable in ("DLCOURSE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    assert i18n.from_environment() == expected


@pytest.mark.parametrize("args", [["--lang", "ko", "list"], ["list", "--lang", "ko"],
                                  ["list", "--lang=ko"]])
def test_lang_option_anywhere_on_the_line(cli, args):
    result = cli(*args)
    assert "코스 순서" in result.output and "The course, in order" not in result.output


def test_environment_language_and_option_override(cli, monkeypatch):
    monkeypatch.setenv("DLCOURSE_LANG", "ko")
    assert "코스 순서" in cli("list").output
    assert "The course, in order" in cli("list", "--lang", "en").output
    assert "코스 순서" in cli("list").output  # one invocation's --lang does not stick


def test_an_unknown_language_is_one_sentence(cli):
    result = cli("list", "--lang", "fr", code=2)
    assert "--lang takes ko or en, not 'fr'." in result.output


def test_errors_follow_the_language(cli):
    result = cli("lesson", "sinus", "--lang", "ko", code=2)
    assert "레슨" in result.output and "sine" in result.output


def _fields(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def test_every_area_has_both_languages():
    assert AREAS, "no message catalogue"
    assert AREAS == sorted(p.stem for p in (i18n.LOCALE_DIR / "ko").glob("*.toml"))


@pytest.mark.parametrize("area", AREAS)
def test_messages_mirror_each_other(area):
    """The same keys, placeholders and list lengths in English and Korean, both ways."""
    english = {k: v for k, v in i18n.catalogue("en").items() if k.startswith(f"{area}.")}
    korean = {k: v for k, v in i18n.catalogue("ko").items() if k.startswith(f"{area}.")}
    assert sorted(korean) == sorted(english)
    for key, text in english.items():
        other = korean[key]
        assert type(other) is type(text), key
        if isinstance(text, list):
            assert len(other) == len(text), key
            pairs = zip(text, other, strict=True)
        else:
            pairs = [(text, other)]
        for en, ko in pairs:
            assert _fields(ko) == _fields(en), key
            kept_name = ko == en and " " not in en  # a name from code: shape, RMSprop
            if _WORD.search(_plain(en)) and not kept_name:  # a sentence or label
                assert re.search(r"[\uac00-\ud7a3]", ko), f"{key} is not Korean: {ko!r}"


_WORD = re.compile(r"\b(?=[A-Za-z]*[a-z])[A-Za-z]{4,}\b")  # "loss", not "RMSE" or "x"


def _plain(text: str) -> str:
    """Text without placeholders, rich markup, code spans and option names."""
    return re.sub(r"\{[^}]*\}|\[/?[^\]]*\]|`[^`]*`|--[a-z-]+", " ", text)


def test_a_message_reads_only_its_own_file():
    """On the startup path: asking for one message parses its file, not all 30-odd."""
    messages = i18n.Catalogue("ko")
    assert messages["cli.bad_lang"] == i18n.catalogue("ko")["cli.bad_lang"]
    assert list(messages._files) == ["cli"]
    assert "cli.no_such_key" not in messages and "nofile.key" not in messages
    assert len(messages) == len(dict(i18n.catalogue("ko").items())) > 100


def test_every_message_the_code_asks_for_exists():
    used = set()
    for path in (REPO / "dlcourse").rglob("*.py"):
        used |= set(re.findall(r"""\bmsgs?\(\s*f?["']([a-z_]+\.[a-z0-9_.]+)["']""",
                               path.read_text(encoding="utf-8")))
        used |= set(re.findall(r"""\bmessages\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""",
                               path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in i18n.catalogue("en"))
    assert used and missing == []


def test_catalogue_overlay_covers_every_entry_both_ways():
    english = tomllib.loads((catalog.lessons_dir() / "catalog.toml").read_text("utf-8"))
    korean = tomllib.loads((catalog.lessons_dir() / "ko" / "catalog.toml").read_text("utf-8"))
    for kind in ("lesson", "topic"):
        names = [item["name"] for item in english[kind]]
        assert sorted(korean[kind]) == sorted(names)
        for item in english[kind]:
            texts = korean[kind][item["name"]]
            expected = {"title", "summary"} | ({"data"} if "data" in item else set())
            assert set(texts) == expected, item["name"]


def test_catalogue_reads_in_the_active_language(korean):
    entry = catalog.get("lesson", "sine")
    assert re.search(r"[\uac00-\ud7a3]", entry.title)
    assert entry.module == "dlcourse.lessons.sine"  # only the texts change
    assert catalog.get("lesson", "sine").time.endswith("초")
    i18n.set_language("en")
    assert catalog.get("lesson", "sine").title == "Fitting sin(x) by hand"


def test_exercise_overlay_covers_every_exercise_both_ways(korean):
    english_file = exercises.exercises_dir() / "exercises.toml"
    english = tomllib.loads(english_file.read_text("utf-8"))["exercise"]
    korean_texts = catalog.read_overlay(english_file)["exercise"]
    assert sorted(korean_texts) == sorted(e["name"] for e in english)
    for item in english:
        texts = korean_texts[item["name"]]
        assert set(texts) == {"title", "task", "hints"}, item["name"]
        assert len(texts["hints"]) == len(item["hints"]), item["name"]
    for exercise in exercises.load():
        assert re.search(r"[\uac00-\ud7a3]", exercise.task), exercise.name


def test_korean_figure_has_every_glyph(korean, tmp_path):
    """Hangul, Latin, digits and the minus sign all drawn: a missing glyph warns, and the
    warning is an error here."""
    from matplotlib import font_manager

    from dlcourse import plots

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plots.curves([1, 2, 3], {"학습 손실 (loss −0.5)": [1.0, -0.5, 0.2]},
                           title="교차 엔트로피와 L1: 에포크별 손실", xlabel="에포크",
                           ylabel="손실 −1.0")
        title = fig.axes[0].title
        path = plots.save(fig, tmp_path / "korean.png")
    assert path.stat().st_size > 10_000
    used = font_manager.findfont(title.get_fontproperties())
    assert "NanumGothic" in used


def test_english_figures_keep_the_default_font(tmp_path):
    from dlcourse import plots

    i18n.set_language("en")
    fig = plots.curves([1, 2], {"loss": [1.0, 0.5]}, title="t", xlabel="x", ylabel="y")
    assert "NanumGothic" not in fig.axes[0].title.get_fontproperties().get_family()
    plots.save(fig, tmp_path / "english.png")
    i18n.set_language(None)


def _commands(command, path=()):
    yield ".".join(path) or "dlcourse", command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_english_help_catalogue_is_the_codes_own_help():
    """locale/en/help.toml copies the commands' help, so Korean mirrors what English shows."""
    import typer.main

    from dlcourse.cli import app

    english = i18n.catalogue("en")
    for key, command in _commands(typer.main.get_command(app)):
        assert english[f"help.command.{key}"] == (command.help or ""), key
        for param in command.params:
            if getattr(param, "help", None):
                assert english[f"help.option.{key}.{param.name}"] == param.help, key


def test_help_in_korean(cli):
    out = cli("exercise", "start", "--help", "--lang", "ko").output
    assert "연습 문제의 시작 파일" in out and "직접 고친 파일도" in out
    assert "이 도움말을 보여 주고" in out and "Show this message" not in out
    assert "Write the exercise's starter file" in cli("exercise", "start", "--help").output
