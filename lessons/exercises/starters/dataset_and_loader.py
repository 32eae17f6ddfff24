"""A Dataset, and the DataLoader loop over it.

Write the class `Pairs(Dataset)`: built from inputs X (N, ...) and labels y (N,), its
__len__ is N and __getitem__(i) returns the pair (X[i], y[i]). Then write
`mean_loss(model, dataset, loss_fn, batch_size)`: loop over DataLoader(dataset,
batch_size=batch_size) and return the mean loss per example over the whole dataset (a
float), with gradients off. The check uses sizes that batches do not divide evenly.

    dlcourse exercise check dataset-and-loader
"""

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class Pairs(Dataset):
    """(input, label) pairs from two tensors of the same length."""

    def __init__(self, X, y):
        raise NotImplementedError("keep X and y")

    def __len__(self):
        raise NotImplementedError

    def __getitem__(self, i):
        raise NotImplementedError


def mean_loss(model, dataset, loss_fn, batch_size):
    """The mean per-example loss of `model` over `dataset`, batch by batch (a float)."""
    raise NotImplementedError


if __name__ == "__main__":
    data = Pairs(torch.randn(10, 3), torch.randint(0, 2, (10,)))
    print(len(data), data[0])
    print(mean_loss(nn.Linear(3, 2), data, nn.CrossEntropyLoss(), batch_size=4))
