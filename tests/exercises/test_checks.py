"""The exercises' content: the catalogue is whole, every untouched starter fails its check,
every reference solution passes it, and plausible wrong answers are rejected with a message
that names what was expected."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from dlcourse.course import catalog
from dlcourse.exercises import checking

FOLDER = catalog.lessons_dir() / "exercises"
EXERCISES = tomllib.loads((FOLDER / "exercises.toml").read_text(encoding="utf-8"))["exercise"]
BY_NAME = {e["name"]: e for e in EXERCISES}
RUNNER = Path(checking.__file__).with_name("run.py")  # the framework's subprocess runner
RUNNER_SECONDS = 600


def outcome(name: str, path: Path) -> tuple[str, str]:
    """(status, message) of checking the file at `path` against exercise `name`, in this
    process: passed, failed (a Mismatch), not-started, or error (anything else)."""
    import torch

    entry = BY_NAME[name]
    check = checking.load_module(FOLDER / "checks" / entry["file"], f"_check_{path.stem}")
    threads = torch.get_num_threads()  # checking.cases() sets one thread; give them back
    try:
        learner = checking.load_module(path, f"_learner_{path.stem}")
        check.check(learner)
    except checking.Mismatch as err:
        return "failed", str(err)
    except (checking.NotStarted, NotImplementedError) as err:
        return "not-started", str(err)
    except Exception as err:  # noqa: BLE001 - reported, as the runner would
        return "error", f"{type(err).__name__}: {err}"
    finally:
        torch.set_num_threads(threads)
    return "passed", ""


def through_runner(name: str, path: Path) -> tuple[str, str]:
    """The same through `python -m dlcourse.exercises.run NAME PATH SECONDS`, as the course
    runs it. The time limit is generous: a test must not depend on the machine's speed."""
    env = {k: v for k, v in os.environ.items() if k != "DLCOURSE_EXERCISES"}  # the course's
    env["CUDA_VISIBLE_DEVICES"] = ""  # on the CPU, as the course runs checks
    done = subprocess.run([sys.executable, "-m", "dlcourse.exercises.run", name, str(path),
                           str(RUNNER_SECONDS)], capture_output=True, text=True, timeout=900,
                          env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no JSON line from the runner:\n{done.stdout}\n{done.stderr}"
    result = json.loads(lines[-1])
    return result["status"], result.get("message", "")


def verdict(name: str, path: Path) -> tuple[str, str]:
    """Through the course's runner (a subprocess, as a learner's check runs), or in this
    process where the runner is absent."""
    return through_runner(name, path) if RUNNER.exists() else outcome(name, path)


def copy(tmp_path: Path, kind: str, entry: dict) -> Path:
    target = tmp_path / kind / entry["file"]
    target.parent.mkdir(exist_ok=True)
    target.write_text((FOLDER / kind / entry["file"]).read_text(encoding="utf-8"),
                      encoding="utf-8")
    return target


@pytest.mark.parametrize("name", list(BY_NAME))
def test_untouched_starter_fails(name, tmp_path):
    status, message = verdict(name, copy(tmp_path, "starters", BY_NAME[name]))
    assert status in ("failed", "not-started"), f"{status}: {message}"


@pytest.mark.parametrize("name", list(BY_NAME))
def test_reference_solution_passes(name, tmp_path):
    status, message = verdict(name, copy(tmp_path, "solutions", BY_NAME[name]))
    assert status == "passed", f"{status}: {message}"


# --- the catalogue --------------------------------------------------------------------------
def course_steps() -> list[str]:
    raw = tomllib.loads((catalog.lessons_dir() / "catalog.toml").read_text(encoding="utf-8"))
    return raw["path"]


def test_catalogue_entries_are_complete():
    steps = set(course_steps())
    names = [e["name"] for e in EXERCISES]
    assert len(names) == len(set(names)), "exercise names must be unique"
    assert len(EXERCISES) >= 16
    for e in EXERCISES:
        assert set(e) == {"name", "step", "title", "file", "task", "hints"}, e["name"]
        assert e["name"] == e["name"].lower() and " " not in e["name"], e["name"]
        assert e["step"] in steps, f"{e['name']}: unknown step {e['step']!r}"
        assert 2 <= len(e["hints"]) <= 3, e["name"]
        assert all(h.strip() for h in e["hints"]), e["name"]
        for kind in ("starters", "solutions", "checks"):
            assert (FOLDER / kind / e["file"]).is_file(), f"{e['name']}: no {kind}/{e['file']}"


def test_every_step_of_the_path_has_an_exercise():
    covered = {e["step"] for e in EXERCISES}
    missing = [s for s in course_steps() if s not in covered and s != "topic glossary"]
    assert not missing, f"steps without an exercise: {missing}"


def test_exercises_follow_the_course_order():
    order = {step: i for i, step in enumerate(course_steps())}
    positions = [order[e["step"]] for e in EXERCISES]
    assert positions == sorted(positions)


def test_no_orphan_files():
    files = {e["file"] for e in EXERCISES}
    for kind in ("starters", "solutions", "checks"):
        found = {p.name for p in (FOLDER / kind).iterdir() if p.suffix == ".py"}
        assert found == files, f"{kind}: orphans {found - files}, missing {files - found}"


def test_starters_leak_no_solution():
    """A starter is the task, not the answer: it differs from the reference, and none of the
    reference's commented lines inside its functions (the teaching ones) appear in it."""
    for e in EXERCISES:
        starter = (FOLDER / "starters" / e["file"]).read_text(encoding="utf-8")
        solution = (FOLDER / "solutions" / e["file"]).read_text(encoding="utf-8")
        assert starter != solution, e["name"]
        lines = solution.splitlines()
        inside = set()
        for node in ast.walk(ast.parse(solution)):
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                inside.update(range(node.lineno, node.end_lineno))  # the body's lines
        taught = [lines[i] for i in sorted(inside) if "#" in lines[i]
                  and not lines[i].lstrip().startswith(("def ", "class "))]
        leaked = [line for line in taught if line in starter.splitlines()]
        assert not leaked, f"{e['name']}: the starter contains {leaked[:2]}"


# --- wrong but plausible answers --------------------------------------------------------------
WRONG = {
    "stable-cross-entropy": ("""
        import torch

        def cross_entropy(logits, targets):
            p = logits.exp() / logits.exp().sum(dim=1, keepdim=True)  # no max subtracted
            return -p[torch.arange(len(targets)), targets].log().mean()
        """, "expected a finite number at logits"),
    "standardize": ("""
        class Standardizer:
            def fit(self, X_train):
                return self

            def transform(self, X):  # the rows' own statistics: the test set leaks in
                return (X - X.mean(dim=0)) / X.std(dim=0)
        """, "test statistics leaked in"),
    "train-one-epoch": ("""
        def train_one_epoch(model, loader, loss_fn, optimizer, scheduler=None):
            model.train()
            total = 0.0
            for inputs, targets in loader:
                loss = loss_fn(model(inputs), targets)
                loss.backward()  # zero_grad forgotten: gradients pile up
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                total += loss.item() * len(targets)
            return total / len(loader.dataset)
        """, "this batch's gradient only"),
    "evaluate-accuracy": ("""
        import torch

        @torch.no_grad()
        def evaluate(model, loader):
            model.eval()
            accuracies = [(model(x).argmax(1) == y).float().mean().item() for x, y in loader]
            return sum(accuracies) / len(accuracies)  # the post's mean of batch accuracies
        """, "counted per image"),
    "freeze-and-replace": ("""
        from torch import nn

        def prepare_for_transfer(model, num_classes):
            model.requires_grad_(False)  # everything, the classifier's hidden layers too
            model.classifier[-1] = nn.Linear(model.classifier[-1].in_features, num_classes)
            return model

        def trainable_parameters(model):
            return [p for p in model.parameters() if p.requires_grad]
        """, "trainable parameters: expected"),
    "checkpoint": ("""
        import torch

        def save_checkpoint(model, optimizer, step, path):
            torch.save({"model": model, "step": step}, path)  # the whole pickled model

        def resume(model, optimizer, path, device="cpu"):
            checkpoint = torch.load(path, weights_only=False)
            model.load_state_dict(checkpoint["model"].state_dict())
            return checkpoint["step"]
        """, "a file torch.load(weights_only=True) reads"),
    "entropy-and-kl": ("""
        def cross_entropy(p, q):
            return -(p * q.log()).sum(dim=-1)  # 0 · log 0 = 0 · (-inf) = nan

        def kl_divergence(p, q):
            return (p * (p / q).log()).sum(dim=-1)
        """, "0·log 0 counts 0"),
    "cubic-gradients": ("""
        import torch

        def hand_gradients(w, x, y):
            w = w.clone().requires_grad_()
            a, b, c, d = w
            ((a * x**3 + b * x**2 + c * x + d - y) ** 2).sum().backward()
            return w.grad
        """, "backward"),
}


@pytest.mark.parametrize("name", list(WRONG))
def test_a_plausible_wrong_answer_is_rejected(name, tmp_path):
    code, expected_words = WRONG[name]
    path = tmp_path / BY_NAME[name]["file"]
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    status, message = outcome(name, path)
    assert status == "failed", f"{status}: {message}"
    assert expected_words in message
    assert len(message.splitlines()) <= 3, message  # short, not a wall of internals


# --- checking.py itself -----------------------------------------------------------------------
def test_a_mismatch_reads_as_one_short_sentence():
    import torch

    with pytest.raises(checking.Mismatch) as caught:
        checking.expect_close("the loss", torch.tensor([1.0, 2.5]), torch.tensor([1.0, 2.0]),
                              example="logits of size 1000", note="stay in logs")
    assert str(caught.value) == ("the loss at [1]: expected 2, got 2.5\n"
                                 "  for logits of size 1000\n  stay in logs")
    with pytest.raises(checking.Mismatch, match=r"the output's shape: expected \(2, 10\), "
                                                r"got \(2, 1, 10\)"):
        checking.expect_shape("the output", torch.zeros(2, 1, 10), (2, 10))
    with pytest.raises(checking.Mismatch, match="expected a tensor, got 'text'"):
        checking.expect_close("w", "text", torch.zeros(2))


def test_cases_are_random_but_repeatable():
    first = [(c.int(1, 100), c.randn(3).tolist()) for c in checking.cases(5, seed=3)]
    again = [(c.int(1, 100), c.randn(3).tolist()) for c in checking.cases(5, seed=3)]
    other = [(c.int(1, 100), c.randn(3).tolist()) for c in checking.cases(5, seed=4)]
    assert first == again and first != other
    assert len({size for size, _ in first}) > 1  # not one case repeated


def test_forbid_refuses_inside_and_restores_after():
    import torch
    import torch.nn.functional as F

    original = F.cross_entropy
    with checking.forbid({"torch.nn.functional.cross_entropy": "write it yourself"}):
        with pytest.raises(checking.Mismatch, match="calls cross_entropy: write it yourself"):
            F.cross_entropy(torch.zeros(1, 2), torch.tensor([0]))
    assert F.cross_entropy is original


def test_function_reports_a_missing_name_and_not_started():
    import types

    module = types.ModuleType("learner")
    with pytest.raises(checking.Mismatch, match="defines no `f`"):
        checking.function(module, "f")

    def f():
        raise NotImplementedError

    module.f = f
    with pytest.raises(checking.NotStarted):
        checking.function(module, "f")()
