"""Choosing where tensors live: CUDA, then Apple's MPS, then the CPU."""

from __future__ import annotations

import os
from pathlib import Path

from dlcourse.errors import UserError
from dlcourse.i18n import msg

CHOICES = ("auto", "cpu", "cuda", "mps")


def pick(requested: str = "auto"):
    """The torch.device to train on; `auto` takes the fastest one this machine has."""
    import torch

    if requested not in CHOICES:
        raise UserError(msg("device.unknown", choices=", ".join(CHOICES), requested=requested))
    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if requested == "auto":
        requested = "cuda" if cuda else "mps" if mps else "cpu"
    if requested == "cuda" and not cuda:
        raise UserError(msg("device.no_cuda"))
    if requested == "mps" and not mps:
        raise UserError(msg("device.no_mps"))
    return torch.device(requested)


def describe(device) -> str:
    """A human name for the device, e.g. 'CUDA (NVIDIA H100)' or 'CPU (2 threads)'."""
    import torch

    if device.type == "cuda":
        return f"CUDA ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "Apple MPS"
    return msg("device.cpu", threads=torch.get_num_threads())


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (every device) so a run repeats exactly on the CPU."""
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def bf16_native(device) -> bool:
    """Whether this device computes bf16 in hardware: CUDA GPUs that support it, CPUs with
    AVX-512 (BF16) or AMX. Elsewhere bf16 is emulated, 10-60× slower than float32 for this
    course's models (measured on a 2-core AMD EPYC without AVX-512; see README), so the
    speed probe does not try it unless --precision bf16 asks."""
    import torch

    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


CPU_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "fma")


def machine(device=None) -> dict:
    """What a speed figure depends on: the CPU model, its vector flags, threads, the GPU."""
    import platform

    import torch

    cpu, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                cpu = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
                break
    except OSError:
        pass
    info = {"cpu": cpu, "flags": [f for f in CPU_FLAGS if f in flags],
            "threads": torch.get_num_threads(), "torch": torch.__version__}
    if device is not None and device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info


def speed_cache_path() -> Path:
    """Where measured speeds are kept: $DLCOURSE_CACHE, else the user cache folder."""
    if os.environ.get("DLCOURSE_CACHE"):
        return Path(os.environ["DLCOURSE_CACHE"]).expanduser() / "speed.json"
    import platformdirs

    return Path(platformdirs.user_cache_dir("dlcourse")) / "speed.json"
