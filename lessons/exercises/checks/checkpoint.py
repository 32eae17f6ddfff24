"""save_checkpoint and resume: a safe file, a safe load, and training that goes on exactly
as if it had never stopped."""

import inspect
import tempfile
from pathlib import Path

import torch
from torch import nn

from dlcourse.exercises import checking


def make(case_seed):
    """A small network with batch norm (buffers too) and its Adam, seeded."""
    with checking.seeded(case_seed):
        model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    return model, torch.optim.Adam(model.parameters(), lr=1e-2)


def train(model, optimizer, batches):
    model.train()
    for X, y in batches:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(X), y).backward()
        optimizer.step()


def watching(load, calls):
    """torch.load, noting the keyword arguments of every call in `calls`."""
    def watched_load(*args, **kwargs):
        calls.append(kwargs)
        return load(*args, **kwargs)

    return watched_load


def check(learner):
    save_checkpoint = checking.function(learner, "save_checkpoint")
    resume = checking.function(learner, "resume")
    for case in checking.cases(4):
        batches = [(case.randn(16, 4, dtype=torch.float32), case.randint(0, 3, (16,)))
                   for _ in range(case.int(2, 6) * 2)]
        half = len(batches) // 2
        model, optimizer = make(case.index)
        train(model, optimizer, batches[:half])
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "checkpoint.pt"
            save_checkpoint(model, optimizer, half, path)
            checking.expect_true("save_checkpoint(...)", path.exists(),
                                 "expected a file at the path it was given, got none")
            try:
                torch.load(path, map_location="cpu", weights_only=True)
            except Exception as err:  # noqa: BLE001 - any refusal: the file is not plain data
                raise checking.Mismatch(
                    "the checkpoint", "a file torch.load(weights_only=True) reads "
                    "(state_dicts and numbers)",
                    f"one it refuses ({type(err).__name__}: a pickled Python object)",
                    note="save model.state_dict(), not the model") from None
            fresh, fresh_optimizer = make(case.index + 100)  # other weights to overwrite
            calls, real_load = [], torch.load
            torch.load = watching(real_load, calls)
            try:
                step = resume(fresh, fresh_optimizer, path, "cpu")
            finally:
                torch.load = real_load
        if not calls:  # `from torch import load` escapes the watch: read the source instead
            calls = [{k: True for k in ("weights_only", "map_location")
                      if f"{k}=" in inspect.getsource(resume.learner)}]
        checking.expect_true("torch.load in resume()", calls[0].get("weights_only") is True,
                             "expected weights_only=True: never unpickle code from a file")
        checking.expect_true("torch.load in resume()", calls[0].get("map_location") is not None,
                             "expected map_location=device, so GPU tensors load anywhere")
        checking.expect_equal("the step resume() returned", step, half)
        for (name, a), b in zip(model.state_dict().items(), fresh.state_dict().values(),
                                strict=True):
            checking.expect_close(f"the resumed model's {name}", b, a, rtol=0, atol=0)
        train(model, optimizer, batches[half:])
        train(fresh, fresh_optimizer, batches[half:])
        for (name, a), b in zip(model.named_parameters(), fresh.parameters(), strict=True):
            if not torch.allclose(a, b, rtol=1e-6, atol=1e-7):
                raise checking.Mismatch(
                    f"{name} after {len(batches) - half} more steps from the checkpoint",
                    "the uninterrupted run's weights", f"a gap of {(a - b).abs().max():.3g}",
                    note="was the optimizer's state (Adam's moments) saved and loaded?")
