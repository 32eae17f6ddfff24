"""model.pt: the weights, the optimizer and schedule, the random state, and what rebuilds
the model.

Written atomically after every finished epoch, read with weights_only=True so a checkpoint
from elsewhere cannot run code. It holds everything an uninterrupted run would still have
in memory, so a resumed run ends with the same weights.
"""

from __future__ import annotations

from pathlib import Path

import torch

from dlcourse.errors import UserError
from dlcourse.fileio import atomic_write
from dlcourse.i18n import msg


def save(path: Path, model, optimizer, scheduler, generator, *, epoch: int, epochs: int,
         history: list[dict], rebuild: dict | None, steps_per_epoch: int = 0,
         first_loss: float | None = None) -> Path:
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "rng": generator.get_state(),  # the loader's: shuffling and augmentation
        "torch_rng": torch.get_rng_state(),  # the global one: dropout, on the CPU
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None,
        "epoch": epoch,  # finished epochs
        "epochs": epochs,  # the run's plan: its schedule was built for this many
        "steps_per_epoch": steps_per_epoch,  # ...of this many steps
        "first_loss": first_loss,  # divergence is judged against it after a resume too
        "history": history,
        "rebuild": rebuild or {},
    }
    return atomic_write(Path(path), lambda tmp: torch.save(state, tmp))


def load(path: Path) -> dict:
    try:
        return torch.load(Path(path), map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise UserError(msg("engine.checkpoint.no_file", path=path)) from None
    except Exception as err:  # unpickling errors come in many types
        raise UserError(msg("engine.checkpoint.not_checkpoint", path=path,
                            error=err)) from None


def restore(state: dict, model, optimizer, generator, path: Path | str = "model.pt") -> None:
    """Put a loaded checkpoint's weights, optimizer and random state back in place."""
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    try:
        generator.set_state(state["rng"])
    except RuntimeError:  # a CPU generator's state does not fit a CUDA one, and back
        raise UserError(msg("engine.checkpoint.other_device", path=path)) from None
    if state.get("torch_rng") is not None:
        torch.set_rng_state(state["torch_rng"])
    if state.get("cuda_rng") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
