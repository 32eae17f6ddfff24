"""model.pt: the weights, the optimizer and schedule, and what rebuilds the model.

Written atomically after every epoch (and on Ctrl-C), read with weights_only=True so a
checkpoint from elsewhere cannot run code.
"""

from __future__ import annotations

from pathlib import Path

import torch

from dlcourse.errors import UserError
from dlcourse.fileio import atomic_write


def save(path: Path, model, optimizer, scheduler, generator, run, rebuild: dict | None) -> Path:
    state = {
        "rng": generator.get_state(),  # shuffling and augmentation continue where they were
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "epoch": run.epochs_done,
        "history": run.history,
        "rebuild": rebuild or {},
    }
    return atomic_write(Path(path), lambda tmp: torch.save(state, tmp))


def load(path: Path) -> dict:
    try:
        return torch.load(Path(path), map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise UserError(f"--resume {path}: no such file. Pass the model.pt of an earlier "
                        "run folder.") from None
    except Exception as err:  # unpickling errors come in many types
        raise UserError(f"--resume {path} is not a dlcourse checkpoint ({err}).") from None


def resume(path: Path, model, optimizer, scheduler, generator, run, rebuild: dict | None) -> int:
    """Load a checkpoint into model/optimizer/scheduler; returns the epoch it had reached."""
    state = load(path)
    if rebuild and state.get("rebuild") != rebuild:
        raise UserError(f"--resume {path} was saved by {state.get('rebuild')}, but this run "
                        f"builds {rebuild}. Resume with the same lesson and model options.")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None and state.get("scheduler"):
        scheduler.load_state_dict(state["scheduler"])
    generator.set_state(state["rng"])
    run.history = list(state["history"])
    run.epochs_done = state["epoch"]
    return state["epoch"]
