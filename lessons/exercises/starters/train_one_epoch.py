"""train_one_epoch: the loop every lesson runs.

Write `train_one_epoch(model, loader, loss_fn, optimizer, scheduler=None)`: put the
model in training mode, then for every (inputs, targets) batch of the loader: forward,
loss, clear the old gradients, backward, optimizer step, and, when a scheduler is given,
its step once per batch after the optimizer's. Return the mean loss per example over the
epoch (a float). The check watches the order of the calls, then trains a small MLP on the
bundled MNIST sample with your loop for one epoch and expects at least 85 % test
accuracy.

    dlcourse exercise check train-one-epoch
"""

import torch
from torch import nn


def train_one_epoch(model, loader, loss_fn, optimizer, scheduler=None):
    """One pass over the loader's batches; returns the mean loss per example (a float)."""
    raise NotImplementedError("write the training loop")


if __name__ == "__main__":
    from torch.utils.data import DataLoader, TensorDataset

    X, y = torch.randn(256, 2), torch.randint(0, 2, (256,))
    model = nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    print(train_one_epoch(model, loader, nn.CrossEntropyLoss(), optimizer))
