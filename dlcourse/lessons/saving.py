"""Saving and loading: state_dict, map_location, weights_only, and checkpoints that resume."""

import io
import pickle
import re
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from dlcourse.errors import UserError
from dlcourse.fileio import atomic_write
from dlcourse.i18n import messages, msg

TEST_IMAGES = 1000  # test images the outputs are compared on
DRY_RUN_STEPS = 3  # --dry-run: three steps before saving, three after


@dataclass(frozen=True)
class Config:
    steps: int = 300  # training steps before saving: a few seconds on a CPU
    more_steps: int = 30  # steps after the checkpoint, run twice: to compare two resumes
    batch_size: int = 64  # images per step
    lr: float = 1e-3  # Adam's learning rate

    def __post_init__(self):
        if self.steps < 1 or self.more_steps < 1 or self.batch_size < 1:
            raise ValueError(msg("saving.bad_sizes"))
        if not self.lr > 0:
            raise ValueError(msg("saving.bad_lr"))


class Net(nn.Module):
    """A small CNN with batch norm, so that its state_dict holds buffers besides weights."""

    def __init__(self, classes=10):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1),  # (B, 1, 28, 28) -> (B, 8, 28, 28)
            nn.BatchNorm2d(8),  # running mean and variance: buffers, not parameters
            nn.ReLU(),
            nn.MaxPool2d(4),  # -> (B, 8, 7, 7)
            nn.Flatten(),  # -> (B, 392)
            nn.Linear(8 * 7 * 7, classes),
        )

    def forward(self, x):
        return self.layers(x)


def train(model, optimizer, X, y, batches) -> float:
    """One optimizer step per row of `batches` (steps, B) of image indices."""
    model.train()  # batch norm uses each batch's statistics and updates its running ones
    for idx in batches:
        loss = F.cross_entropy(model(X[idx]), y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def save_weights(model, path: Path) -> Path:
    """The state_dict, written to a temporary file and renamed: never half-written."""
    return atomic_write(path, lambda tmp: torch.save(model.state_dict(), tmp))


def load_weights(path: Path, classes: int) -> nn.Module:
    """A fresh Net with the saved weights, on the CPU whatever device saved them."""
    model = Net(classes)
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state)  # every key and shape must match, or it raises
    return model.eval()  # batch norm: use the running statistics, not the batch's


def save_checkpoint(model, optimizer, step: int, path: Path) -> Path:
    """Everything needed to continue training: weights, optimizer state, step count."""
    checkpoint = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                  "step": step}
    return atomic_write(path, lambda tmp: torch.save(checkpoint, tmp))


def resume(model, optimizer, path: Path, device) -> int:
    """Put a checkpoint's weights and optimizer state back; returns its step count."""
    checkpoint = torch.load(path, map_location=device, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["step"]


CALLS = []  # what record_call was asked to record: proof that unpickling ran code


def record_call(note):
    """Harmless stand-in for what a malicious file would run (os.system, say)."""
    CALLS.append(note)
    return note


class Sneaky:
    """Pickle stores this object as "call record_call('...')": loading it calls it."""

    def __reduce__(self):
        return record_call, ("a pickle ran code while loading",)


def run(cfg: Config, ctx) -> None:
    data = ctx.load_data()
    classes = len(data.classes)
    X = (data.train_x.float() / 255).to(ctx.device)  # (N, 1, 28, 28) in [0, 1]
    y = data.train_y.to(ctx.device)
    X_test = (data.test_x[:TEST_IMAGES].float() / 255).to(ctx.device)
    steps, more = (DRY_RUN_STEPS, DRY_RUN_STEPS) if ctx.dry_run else (cfg.steps,
                                                                       cfg.more_steps)
    # every batch of the run drawn up front, so two resumed runs can replay the same ones
    g = torch.Generator().manual_seed(ctx.seed)
    batches = torch.randint(len(y), (steps + more, cfg.batch_size), generator=g).to(ctx.device)
    model = Net(classes).to(ctx.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    start = resume_if_asked(ctx, model, optimizer)
    ctx.show.section("idea", steps=steps, train=len(y))
    ctx.show.source(Net, train, title=msg("saving.code_title"))
    ctx.show.predict()
    loss = train(model, optimizer, X, y, batches[:steps])
    ctx.record.final.update(train_loss=loss, steps=start + steps,
                            test_accuracy=accuracy(model, X_test, data.test_y[:TEST_IMAGES]))
    show_state_dict(ctx, model)
    weights = save_weights(model, ctx.out / "model.pt")
    checkpoint = save_checkpoint(model, optimizer, start + steps, ctx.out / "checkpoint.pt")
    for path in (weights, checkpoint):
        ctx.record.file(path)
    compare_loaded(ctx, model, weights, classes, X_test, data.test_y[:TEST_IMAGES])
    show_weights_only(ctx)
    compare_resumes(ctx, cfg, model, optimizer, checkpoint, classes, X, y, batches[steps:])
    ctx.show.section("recap", **ctx.record.final)


def resume_if_asked(ctx, model, optimizer) -> int:
    """--resume: start from an earlier run's checkpoint.pt (or its folder)."""
    if ctx.resume is None:
        return 0
    path = ctx.resume / "checkpoint.pt" if ctx.resume.is_dir() else ctx.resume
    try:
        step = resume(model, optimizer, path, ctx.device)
    except FileNotFoundError:
        raise UserError(msg("saving.no_checkpoint", path=path)) from None
    except Exception as err:  # unpickling and key mismatches come in many types
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UserError(msg("saving.not_a_checkpoint", path=path, error=first)) from None
    ctx.show.note(msg("saving.resumed", path=path, steps=f"{step:,}"), blank=True)
    return step


@torch.no_grad()
def accuracy(model, X, y) -> float:
    model.eval()
    return (model(X).argmax(1).cpu() == y).float().mean().item()


def show_state_dict(ctx, model) -> None:
    """Every entry of the state_dict: parameters, and the buffers batch norm keeps."""
    state = model.state_dict()
    buffers = {name for name, _ in model.named_buffers()}
    rows = [[key, "×".join(map(str, t.shape)) or msg("saving.scalar"),
             str(t.dtype).removeprefix("torch."),
             msg("saving.buffer") if key in buffers else msg("saving.parameter"),
             f"{t.numel():,}"] for key, t in state.items()]
    ctx.show.table("model.state_dict()", messages("saving.state_columns"), rows)
    ctx.record.final.update(state_keys=len(state), state_buffers=len(buffers),
                            state_numbers=sum(t.numel() for t in state.values()))
    ctx.show.section("state-dict", **ctx.record.final,
                     parameters=len(state) - len(buffers))


def compare_loaded(ctx, model, path: Path, classes, X_test, y_test) -> None:
    """A fresh model from the file: the same outputs as the trained one, bit for bit."""
    ctx.show.source(save_weights, load_weights, title=msg("saving.load_title"))
    model.eval()
    with torch.no_grad():
        trained = model(X_test)
        loaded = load_weights(path, classes)  # on the CPU, as map_location asked
        on_cpu = {str(t.device) for t in loaded.state_dict().values()}
        loaded.to(ctx.device)  # compare on the device that made `trained`
        same = loaded(X_test)
        untrained = Net(classes).to(ctx.device).eval()(X_test)
    f = ctx.record.final
    f["loaded_accuracy"] = accuracy(loaded, X_test, y_test)
    with torch.no_grad():
        loaded.train()  # forgetting eval(): batch norm normalizes with this batch's numbers
        train_mode = loaded(X_test)  # (and updates its running statistics, even here)
    f.update(identical=torch.equal(trained, same),
             max_diff_loaded=(trained - same).abs().max().item(),
             max_diff_untrained=(trained - untrained).abs().max().item(),
             max_diff_train_mode=(trained - train_mode).abs().max().item())
    f["identical_choice"] = 1 if f["identical"] else 2
    ctx.show.section("load", **f, file_kb=path.stat().st_size / 1024,
                     loaded_devices=", ".join(sorted(on_cpu)), device=str(ctx.device),
                     images=len(X_test))


def show_weights_only(ctx) -> None:
    """A pickle that runs code, loaded three ways. Everything stays in memory."""
    CALLS.clear()
    pickle.loads(pickle.dumps(Sneaky()))  # a plain pickle: record_call runs
    by_pickle = len(CALLS)
    buffer = io.BytesIO()
    torch.save({"weights": torch.zeros(3), "extra": Sneaky()}, buffer)
    refusals = {}
    for label, kwargs in (("weights_only=True", {"weights_only": True}), ("default", {})):
        buffer.seek(0)
        try:
            torch.load(buffer, **kwargs)
            refusals[label] = ""
        except pickle.UnpicklingError as err:
            first_line = str(err).strip().splitlines()[0]
            refusals[label] = re.sub(r"\x1b\[[0-9;]*m", "", first_line)  # its bold, as text
    by_torch_safe = len(CALLS) - by_pickle
    buffer.seek(0)
    torch.load(buffer, weights_only=False)  # trusting the file: record_call runs again
    ctx.show.source(record_call, Sneaky, title=msg("saving.pickle_title"))
    f = ctx.record.final
    f.update(plain_pickle_ran=by_pickle == 1, weights_only_refused=bool(
        refusals["weights_only=True"]), default_refused=bool(refusals["default"]),
        weights_only_ran=by_torch_safe > 0, unsafe_load_ran=len(CALLS) - by_pickle == 1)
    ctx.show.section("weights-only", **f, error=refusals["weights_only=True"],
                     torch_version=torch.__version__.split("+")[0], calls=len(CALLS))


def compare_resumes(ctx, cfg, model, optimizer, checkpoint, classes, X, y, batches) -> None:
    """The same batches after the checkpoint, three ways: straight on, resumed with the
    optimizer's state, and resumed with the weights only and a fresh optimizer."""
    state = optimizer.state_dict()  # its tensors are the live ones: read them now
    first = state["state"][0]
    step = int(first["step"].item())
    ctx.show.table(msg("saving.optimizer_title"), messages("saving.optimizer_columns"),
                   [[k, msg("saving.tensor", shape=tuple(v.shape)) if v.ndim else f"{v.item():g}"]
                    for k, v in first.items()]
                   + [[k, str(v)] for k, v in state["param_groups"][0].items()
                      if k in ("lr", "betas", "eps", "weight_decay")])
    train(model, optimizer, X, y, batches)  # straight on: the reference
    resumed = Net(classes).to(ctx.device)
    resumed_opt = torch.optim.Adam(resumed.parameters(), lr=cfg.lr)
    resume(resumed, resumed_opt, checkpoint, ctx.device)
    train(resumed, resumed_opt, X, y, batches)
    weights_only = Net(classes).to(ctx.device)
    weights_only.load_state_dict(torch.load(checkpoint, map_location=ctx.device,
                                            weights_only=True)["model"])
    train(weights_only, torch.optim.Adam(weights_only.parameters(), lr=cfg.lr), X, y, batches)
    ctx.show.source(save_checkpoint, resume, title=msg("saving.checkpoint_title"))

    def gap(other):  # the largest difference between two models' weights
        return max((a - b).abs().max().item() for a, b in
                   zip(model.state_dict().values(), other.state_dict().values(), strict=True))

    f = ctx.record.final
    f.update(resumed_identical=gap(resumed) == 0, max_diff_resumed=gap(resumed),
             max_diff_fresh_optimizer=gap(weights_only), optimizer_entries=len(state["state"]))
    ctx.show.section("resume", **f, more=len(batches), step=step)
