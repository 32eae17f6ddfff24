"""train_one_epoch: the loop every lesson runs."""

import torch
from torch import nn


def train_one_epoch(model, loader, loss_fn, optimizer, scheduler=None):
    """One pass over the loader's batches; returns the mean loss per example (a float)."""
    model.train()  # dropout and batch norm behave as in training
    total, count = 0.0, 0
    for inputs, targets in loader:
        loss = loss_fn(model(inputs), targets)  # forward: (B, classes) against (B,)
        optimizer.zero_grad()  # gradients add up in .grad unless cleared
        loss.backward()  # fills .grad of every parameter
        optimizer.step()  # moves the weights
        if scheduler is not None:
            scheduler.step()  # per batch, after optimizer.step(): the order PyTorch expects
        total += loss.item() * len(targets)  # the loss is a batch mean: weigh it by size
        count += len(targets)
    return total / count


if __name__ == "__main__":
    from torch.utils.data import DataLoader, TensorDataset

    X, y = torch.randn(256, 2), torch.randint(0, 2, (256,))
    model = nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    print(train_one_epoch(model, loader, nn.CrossEntropyLoss(), optimizer))
