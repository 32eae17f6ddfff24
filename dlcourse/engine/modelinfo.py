"""A model's layers as a table: output shape and parameter count of each, from one dry pass."""

from __future__ import annotations

import torch


def layers(model, input_shape) -> list[tuple[str, str, tuple, int]]:
    """[(name, type, output shape, parameters)] for every leaf module, in call order."""
    rows, hooks = [], []

    def hook(name):
        def record(module, inputs, output):
            params = sum(p.numel() for p in module.parameters(recurse=False))
            rows.append((name, type(module).__name__, tuple(output.shape), params))
        return record

    for name, module in model.named_modules():
        if not list(module.children()):
            hooks.append(module.register_forward_hook(hook(name)))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(2, *input_shape, device=next(model.parameters()).device))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return rows
