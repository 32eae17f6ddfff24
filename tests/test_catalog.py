"""The catalogue, checked both ways: every entry has its files and code; no file is orphaned."""

import dataclasses
import importlib
import re
import tomllib

import pytest

from dlcourse.course import catalog, options
from dlcourse.course.render import placeholders, split_sections

ENTRIES = [e for kind in ("lesson", "topic") for e in catalog.load()[kind].values()]
IDS = [f"{e.kind}:{e.name}" for e in ENTRIES]


def test_catalogue_lists_the_first_lessons_and_topics():
    assert "sine" in catalog.load()["lesson"]
    assert {"cross-entropy", "gradient-descent", "backprop", "pytorch-style",
            "checklist"} <= set(catalog.load()["topic"])


def test_no_orphan_files():
    root = catalog.lessons_dir()
    referenced = {e.text for e in ENTRIES} | {e.quiz for e in ENTRIES}
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*")
               if p.suffix in (".md", ".toml") and p.name != "catalog.toml"
               and p.relative_to(root).parts[0] not in ("exercises", "ko")}
    # exercises: their own catalogue checks them; ko: tests/test_i18n_pages.py mirrors them
    assert on_disk == referenced


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_entry_text_has_a_title_and_sections(entry):
    sections = split_sections(catalog.read_text(entry))
    assert sections[""].startswith("# "), "the text opens with its title"
    assert len(sections) >= 3


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_quiz_is_well_formed(entry):
    questions = catalog.read_quiz(entry)
    assert 2 <= len(questions) <= 4
    for q in questions:
        assert set(q) <= {"ask", "choices", "answer", "answer_from", "answer_by",
                          "why", "predict"}
        assert 2 <= len(q["choices"]) <= 5 and 1 <= q["answer"] <= len(q["choices"])
        assert q["why"].strip()
    if entry.kind == "lesson":
        assert any(q.get("predict") for q in questions), "a lesson asks one 'predict, then see'"


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.kind == "lesson"],
                         ids=lambda e: e.name)
def test_lesson_module_has_config_and_run(entry):
    module = importlib.import_module(entry.module)
    assert callable(module.run)
    cfg = module.Config()
    assert dataclasses.is_dataclass(cfg) and module.Config.__dataclass_params__.frozen
    helps = options.field_help(module.Config)
    missing = [f.name for f in dataclasses.fields(cfg) if not helps.get(f.name)]
    assert not missing, f"fields without a comment (their --help): {missing}"


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.kind == "topic"],
                         ids=lambda e: e.name)
def test_topic_values_fill_every_placeholder(entry):
    text = catalog.read_text(entry) + str(catalog.read_quiz(entry))
    values = importlib.import_module(entry.module).values() if entry.module else {}
    assert placeholders(text) <= set(values)


def test_catalogue_keys_are_known():
    raw = tomllib.loads((catalog.lessons_dir() / "catalog.toml").read_text())
    known = {f.name for f in dataclasses.fields(catalog.Entry)} - {"kind"}
    for kind in ("lesson", "topic"):
        for item in raw[kind]:
            assert set(item) <= known


def test_run_options_have_help():
    for cls in (options.RunOptions, options.DataOptions, options.ImageOptions):
        assert set(options.field_help(cls)) == {f.name for f in dataclasses.fields(cls)}


def test_the_course_path_holds_every_lesson_and_topic_once():
    raw = tomllib.loads((catalog.lessons_dir() / "catalog.toml").read_text(encoding="utf-8"))
    steps = [tuple(step.split()) for step in raw["path"]]
    everything = {(kind, name) for kind, names in catalog.load().items() for name in names}
    assert len(steps) == len(set(steps)), "a step appears twice"
    assert set(steps) == everything, "path and catalogue differ"
    assert [(e.kind, e.name) for e in catalog.path()] == steps


def test_each_step_names_the_next_and_the_last_says_so():
    steps = catalog.path()
    assert catalog.next_step(steps[0]) == (2, steps[1])
    assert catalog.next_step(steps[-1]) is None
    assert catalog.command(steps[1]).startswith("dlcourse ")


COMMAND = re.compile(r"dlcourse (lesson|explain) ([a-z][a-z0-9-]*)")


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_every_command_a_page_names_exists(entry):
    """`dlcourse lesson X` / `dlcourse explain Y` in a page (the glossary's pointers, the
    'see also's) must name a real lesson or topic."""
    text = catalog.read_text(entry)
    for verb, name in COMMAND.findall(text):
        kind = "lesson" if verb == "lesson" else "topic"
        assert name in catalog.load()[kind], f"{entry.name} names `dlcourse {verb} {name}`"
