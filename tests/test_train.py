"""The engine: it learns, repeats exactly, checkpoints and resumes, stops on nan and Ctrl-C."""

import io
import json

import pytest
import torch
from rich.console import Console
from torch import nn

from dlcourse.course import catalog
from dlcourse.course.render import Screen
from dlcourse.course.runner import Diverged, Lesson
from dlcourse.data.sets import ImageSet
from dlcourse.engine import checkpoint, train


def tiny_data(n_train=64, n_test=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    def images(n):
        return torch.randint(0, 256, (n, 1, 8, 8), generator=g, dtype=torch.uint8)

    return ImageSet("tiny", images(n_train), torch.randint(0, 4, (n_train,), generator=g),
                    images(n_test), torch.randint(0, 4, (n_test,), generator=g),
                    ["a", "b", "c", "d"], "sample", "generated")


def make_lesson(tmp_path, name="run", **options):
    out = tmp_path / name
    out.mkdir(parents=True, exist_ok=True)
    opts = {"resume": None, "dry_run": False, **options}
    return Lesson(entry=catalog.get("lesson", "mnist"),
                  screen=Screen(console=Console(file=io.StringIO(), width=100)), out=out, seed=0,
                  device=torch.device("cpu"), options=opts, sections={}, questions=[])


def tiny_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))


def fit(lesson, model=None, epochs=3, **kw):
    model = model or tiny_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    return model, train.fit(model, kw.pop("data", tiny_data()), lesson, optimizer=optimizer,
                            epochs=epochs, batch_size=16, checkpoint={"lesson": "tiny"}, **kw)


def test_a_tiny_model_overfits_a_tiny_batch(tmp_path):
    _, result = fit(make_lesson(tmp_path), epochs=60, data=tiny_data(n_train=16), figures=False)
    assert result.history[-1]["train_accuracy"] == 1.0
    assert result.history[-1]["train_loss"] < 0.05


def test_a_seeded_cpu_run_repeats_exactly(tmp_path):
    runs = [fit(make_lesson(tmp_path, f"r{i}"), augment=("crop", "flip"), padding=1,
                figures=False) for i in range(2)]
    (m1, r1), (m2, r2) = runs
    assert [h["train_loss"] for h in r1.history] == [h["train_loss"] for h in r2.history]
    for p1, p2 in zip(m1.parameters(), m2.parameters(), strict=True):
        assert torch.equal(p1, p2)


@pytest.mark.parametrize("recipe", [
    dict(optimizer="sgd", lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4),
    dict(optimizer="adam", lr=1e-2),
    dict(optimizer="adamw", lr=1e-2, weight_decay=0.05),
])
def test_fused_optimizers_make_the_same_updates(recipe):
    models = [tiny_model(), tiny_model()]
    fused = train.optimizer_for(models[0], recipe, torch.device("cpu"))
    per_tensor = train.optimizer_for(models[1], recipe)  # no device: PyTorch's default
    assert fused.defaults["fused"] and not per_tensor.defaults["fused"]
    x, y = torch.randn(16, 1, 8, 8), torch.randint(0, 4, (16,))
    for _ in range(5):
        for model, optimizer in zip(models, (fused, per_tensor), strict=True):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    for a, b in zip(models[0].parameters(), models[1].parameters(), strict=True):
        torch.testing.assert_close(a, b)
    assert not torch.equal(models[0][1].weight, tiny_model()[1].weight)  # they did move


def test_run_folder_has_metrics_figures_and_checkpoint(tmp_path):
    lesson = make_lesson(tmp_path)
    model, result = fit(lesson)
    assert {"test_accuracy", "train_seconds", "images_per_second"} <= set(lesson.final)
    assert 0 <= lesson.final["test_accuracy"] <= 1
    for png in ("curves.png", "confusion.png", "predictions.png"):
        assert (lesson.out / png).read_bytes()[:4] == b"\x89PNG"
    state = checkpoint.load(lesson.out / "model.pt")
    assert state["epoch"] == 3 and state["rebuild"] == {"lesson": "tiny"}
    fresh = tiny_model()
    fresh.load_state_dict(state["model"])
    for a, b in zip(fresh.parameters(), model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_resume_continues_where_the_checkpoint_stopped(tmp_path):
    first = make_lesson(tmp_path, "first")
    fit(first, epochs=2, figures=False)
    straight = make_lesson(tmp_path, "straight")
    _, whole = fit(straight, epochs=4, figures=False)
    second = make_lesson(tmp_path, "second", resume=first.out / "model.pt")
    _, resumed = fit(second, epochs=4, figures=False)
    assert [h["epoch"] for h in second.history] == [1, 2, 3, 4]
    # weights, optimizer, schedule and random state all restored: the same as one long run
    assert [h["train_loss"] for h in resumed.history] == [h["train_loss"] for h in whole.history]


def test_resume_refuses_another_models_checkpoint(tmp_path):
    first = make_lesson(tmp_path, "first")
    fit(first, epochs=1, figures=False)
    second = make_lesson(tmp_path, "second", resume=first.out / "model.pt")
    model = tiny_model()
    with pytest.raises(Exception, match="Resume with the same lesson"):
        train.fit(model, tiny_data(), second, optimizer=torch.optim.Adam(model.parameters()),
                  epochs=2, batch_size=16, checkpoint={"lesson": "other"})


def test_nan_loss_stops_the_run(tmp_path):
    lesson = make_lesson(tmp_path)

    def broken(logits, y):
        return nn.functional.cross_entropy(logits, y) * float("nan")

    with pytest.raises(Diverged):
        fit(lesson, loss_fn=broken)
    assert (lesson.out / "model.pt").is_file()


def test_dry_run_uses_three_batches(tmp_path):
    lesson = make_lesson(tmp_path, dry_run=True)
    fit(lesson, epochs=1, data=tiny_data(n_train=640), figures=False)
    assert lesson.info["data"]["train_used"] == 3 * 16


@pytest.mark.parametrize("value, expected", [("full", None), ("500", 500), ("auto", 5000)])
def test_subset_resolution_on_cpu(value, expected):
    assert train.resolve_subset(value, torch.device("cpu"), 5000) == expected


def test_subset_auto_on_a_gpu_is_full():
    assert train.resolve_subset("auto", torch.device("cuda"), 5000) is None


def test_ctrl_c_keeps_metrics_figures_and_checkpoint(tmp_path, monkeypatch):
    """A KeyboardInterrupt in the second epoch: exit 130, and what finished is on disk."""
    from dlcourse.course import runner
    from tests.data import make

    make.mnist_files(tmp_path / "m", n_train=300, n_test=50)
    from dlcourse.data.importer import import_path

    import_path(tmp_path / "m", tmp_path / "cache", Console(quiet=True))
    calls = {"n": 0}
    original = train.train_one_epoch

    def interrupt_in_epoch_2(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(train, "train_one_epoch", interrupt_in_epoch_2)
    screen = Screen(console=Console(file=io.StringIO(), width=100))
    code = runner.start("mnist", ["--data-dir", str(tmp_path / "cache"), "--out",
                                  str(tmp_path / "r"), "--epochs", "3"], screen)
    assert code == 130
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["status"] == "interrupted" and len(metrics["history"]) == 1
    assert checkpoint.load(tmp_path / "r" / "model.pt")["epoch"] == 1
    assert (tmp_path / "r" / "curves.png").is_file()


def test_a_real_ctrl_c_finishes_the_step_and_exits_130(tmp_path):
    """SIGINT to a real training process: it stops cleanly, keeping what finished."""
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "dlcourse", "lesson", "mnist", "--model", "cnn", "--epochs",
         "50", "--offline", "--no-pause", "--out", str(tmp_path / "r")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    deadline = time.monotonic() + 120
    for line in proc.stdout:  # wait for the first finished epoch's row
        if line.strip().startswith("1 ") or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGINT)
    rest = proc.communicate(timeout=120)[0]
    assert proc.returncode == 130, rest[-2000:]
    assert "Traceback" not in rest
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["status"] == "interrupted" and len(metrics["history"]) >= 1
    assert checkpoint.load(tmp_path / "r" / "model.pt")["epoch"] >= 1
    assert not list((tmp_path / "r").glob(".*.part")), "nothing half-written"
