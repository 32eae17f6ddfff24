"""A checkpoint that resumes training exactly.

Write `save_checkpoint(model, optimizer, step, path)`: save a dict holding the model's
state_dict, the optimizer's state_dict and the step count to `path` with torch.save.
Then `resume(model, optimizer, path, device="cpu")`: load it safely with
torch.load(..., map_location=device, weights_only=True), put both state_dicts back and
return the step. The check trains a small network, saves, resumes into fresh objects,
and expects the two to go on training identically.

    dlcourse exercise check checkpoint
"""

import torch
from torch import nn


def save_checkpoint(model, optimizer, step, path):
    """Everything needed to continue training: weights, optimizer state, step count."""
    raise NotImplementedError("torch.save a dict of state_dicts and the step")


def resume(model, optimizer, path, device="cpu"):
    """Put a checkpoint's weights and optimizer state back; return its step count."""
    raise NotImplementedError


if __name__ == "__main__":
    model = nn.Linear(3, 2)
    optimizer = torch.optim.Adam(model.parameters())
    save_checkpoint(model, optimizer, 7, "checkpoint.pt")
    print(resume(nn.Linear(3, 2), torch.optim.Adam(model.parameters()), "checkpoint.pt"))
