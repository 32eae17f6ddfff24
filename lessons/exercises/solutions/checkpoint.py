"""A checkpoint that resumes training exactly."""

import torch
from torch import nn


def save_checkpoint(model, optimizer, step, path):
    """Everything needed to continue training: weights, optimizer state, step count."""
    # state_dicts hold only tensors, numbers and strings: a file weights_only=True can
    # load, unlike torch.save(model), which pickles the class and needs its code to load
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "step": step}, path)


def resume(model, optimizer, path, device="cpu"):
    """Put a checkpoint's weights and optimizer state back; return its step count."""
    # weights_only=True: refuse to run code hidden in the file (pickle can run anything);
    # map_location: tensors saved on a GPU come back on `device`, even where there is none
    checkpoint = torch.load(path, map_location=device, weights_only=True)
    model.load_state_dict(checkpoint["model"])  # every key and shape must match
    optimizer.load_state_dict(checkpoint["optimizer"])  # Adam's moments, its step counts
    return checkpoint["step"]


if __name__ == "__main__":
    model = nn.Linear(3, 2)
    optimizer = torch.optim.Adam(model.parameters())
    save_checkpoint(model, optimizer, 7, "checkpoint.pt")
    print(resume(nn.Linear(3, 2), torch.optim.Adam(model.parameters()), "checkpoint.pt"))
