"""Evaluation: eval mode, no gradients, accuracy per image."""

import torch
from torch import nn


@torch.no_grad()  # no graph: faster, and less memory
def evaluate(model, loader):
    """Accuracy per image over all of the loader's batches, in eval mode, without gradients."""
    model.eval()  # dropout keeps every unit; batch norm uses its running statistics
    correct, total = 0, 0
    for inputs, labels in loader:
        predictions = model(inputs).argmax(dim=1)  # (B, classes) -> (B,) class indices
        correct += (predictions == labels).sum().item()
        total += len(labels)  # count images, not batches: the last batch may be smaller
    return correct / total


if __name__ == "__main__":
    from torch.utils.data import DataLoader, TensorDataset

    X, y = torch.randn(10, 4), torch.randint(0, 3, (10,))
    model = nn.Sequential(nn.Linear(4, 16), nn.Dropout(0.5), nn.Linear(16, 3))
    print(evaluate(model, DataLoader(TensorDataset(X, y), batch_size=4)))
