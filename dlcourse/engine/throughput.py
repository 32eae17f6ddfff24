"""How fast an input pipeline delivers ready batches, with no model behind it."""

import time

import torch


def images_per_second(loader) -> float:
    """Images/s of one pass over `loader` (it yields (inputs, targets) batches). The first
    batch is not timed: it pays for starting up (a DataLoader starts its worker processes
    then), which a real epoch pays once, not per batch."""
    batches = iter(loader)
    next(batches)
    seen, start = 0, time.perf_counter()
    for inputs, _ in batches:
        seen += len(inputs)
    if torch.cuda.is_available():
        torch.cuda.synchronize()  # GPU work is queued: wait until it is done
    seconds = time.perf_counter() - start
    del batches  # a DataLoader's workers stop here, not whenever Python collects them
    return seen / seconds if seen else 0.0
