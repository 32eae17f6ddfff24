"""A tiny exercise catalogue of two pure-Python exercises, so the commands' tests run in
seconds and do not depend on the course's own exercises (test_checks.py covers those)."""

from __future__ import annotations

from pathlib import Path

import pytest

TOML = '''
[[exercise]]
name = "double-it"
step = "lesson sine"
title = "Double a number"
file = "double_it.py"
task = "Write `double(x)`, which returns `2 * x`."
hints = ["Multiply by two.", "`return 2 * x`"]

[[exercise]]
name = "add-one"
step = "topic backprop"
title = "Add one"
file = "add_one.py"
task = "Write `add_one(x)`, which returns `x + 1`."
hints = ["Add one."]
'''

CHECK = '''
from dlcourse.exercises.checking import Mismatch, function


def check(learner):
    {fn} = function(learner, "{fn}")
    for x in range(-5, 20):
        got = {fn}(x)
        if got != {expr}:
            raise Mismatch("{fn}(x)", {expr}, got, example=f"x = {{x}}")
'''

STARTER = '''"""{task}"""


def {fn}(x):
    raise NotImplementedError
'''


@pytest.fixture
def catalogue(tmp_path, monkeypatch) -> Path:
    """Point the course at the tiny catalogue; returns its folder."""
    root = tmp_path / "catalogue"
    for sub in ("starters", "solutions", "checks"):
        (root / sub).mkdir(parents=True)
    (root / "exercises.toml").write_text(TOML, encoding="utf-8")
    for file, fn, expr in (("double_it.py", "double", "2 * x"),
                           ("add_one.py", "add_one", "x + 1")):
        (root / "starters" / file).write_text(STARTER.format(task=f"Write {fn}.", fn=fn))
        (root / "solutions" / file).write_text(f"def {fn}(x):\n    return {expr}\n")
        (root / "checks" / file).write_text(CHECK.format(fn=fn, expr=expr))
    monkeypatch.setenv("DLCOURSE_EXERCISES", str(root))
    return root
