"""A Dataset, and the DataLoader loop over it."""

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class Pairs(Dataset):
    """(input, label) pairs from two tensors of the same length."""

    def __init__(self, X, y):
        self.X, self.y = X, y  # (N, ...) and (N,)

    def __len__(self):
        return len(self.y)  # the DataLoader asks how many examples there are...

    def __getitem__(self, i):
        return self.X[i], self.y[i]  # ...and fetches them one index at a time


@torch.no_grad()  # evaluation: no graph to build, no gradients needed
def mean_loss(model, dataset, loss_fn, batch_size):
    """The mean per-example loss of `model` over `dataset`, batch by batch (a float)."""
    total = 0.0
    for X, y in DataLoader(dataset, batch_size=batch_size):  # stacks items into batches
        # loss_fn returns the batch's mean: weigh it by the batch's size, since the last
        # batch is smaller when batch_size does not divide len(dataset)
        total += loss_fn(model(X), y).item() * len(y)
    return total / len(dataset)


if __name__ == "__main__":
    data = Pairs(torch.randn(10, 3), torch.randint(0, 2, (10,)))
    print(len(data), data[0])
    print(mean_loss(nn.Linear(3, 2), data, nn.CrossEntropyLoss(), batch_size=4))
