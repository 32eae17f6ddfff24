"""Choosing where tensors live: CUDA, then Apple's MPS, then the CPU."""

from __future__ import annotations

from dlcourse.errors import UserError

CHOICES = ("auto", "cpu", "cuda", "mps")


def pick(requested: str = "auto"):
    """The torch.device to train on; `auto` takes the fastest one this machine has."""
    import torch

    if requested not in CHOICES:
        raise UserError(f"--device must be one of {', '.join(CHOICES)}, not '{requested}'.")
    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if requested == "auto":
        requested = "cuda" if cuda else "mps" if mps else "cpu"
    if requested == "cuda" and not cuda:
        raise UserError("--device cuda was asked for, but PyTorch sees no CUDA GPU here. "
                        "Leave out --device to use the best device this machine has.")
    if requested == "mps" and not mps:
        raise UserError("--device mps was asked for, but this PyTorch has no Apple MPS "
                        "support here. Leave out --device to use the best device available.")
    return torch.device(requested)


def describe(device) -> str:
    """A human name for the device, e.g. 'CUDA (NVIDIA H100)' or 'CPU (2 threads)'."""
    import torch

    if device.type == "cuda":
        return f"CUDA ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "Apple MPS"
    return f"CPU ({torch.get_num_threads()} threads{', bf16' if uses_bf16(device) else ''})"


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (every device) so a run repeats exactly on the CPU."""
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def uses_bf16(device) -> bool:
    """Whether autocast to bf16 pays here: on CUDA, and on CPUs with native bf16 (about
    1.4-1.8× faster for this course's CNNs on a 2-core AVX-512 BF16 CPU; see README)."""
    import torch

    if device.type == "cuda":
        return True
    if device.type != "cpu":
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False
