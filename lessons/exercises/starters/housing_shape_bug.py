"""The housing loop, with the source post's bug: fix it.

`train(X, y, epochs)` fits an 8-100-1 MLP to California house prices (X (N, 8)
standardized features, y (N,) prices in $100,000) with Adam and nn.MSELoss, as the post
did. It runs without an error, yet its predictions barely beat guessing the mean: the
model's output has shape (N, 1) while the target has shape (N,), and the loss broadcasts
the two to (N, N). Fix it, keeping the loop, until the check's test RMSE beats the linear
least-squares baseline on the bundled housing data.

    dlcourse exercise check housing-shape-bug
"""

import torch
from torch import nn


class MLP(nn.Module):
    """8 features -> 100 ReLU units -> 1 price."""

    def __init__(self, features=8, hidden=100):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(),
                                    nn.Linear(hidden, 1))

    def forward(self, x):  # (N, 8) -> (N, 1)
        return self.layers(x)


def train(X, y, epochs=10, lr=1e-3, batch_size=100, seed=0):
    """Adam on mini-batches of MSE; returns the trained model."""
    torch.manual_seed(seed)
    model = MLP(X.shape[1])
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        order = torch.randperm(len(y))
        for start in range(0, len(y), batch_size):
            idx = order[start:start + batch_size]
            loss = loss_fn(model(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


if __name__ == "__main__":
    X, y = torch.randn(1000, 8), torch.randn(1000)
    model = train(X, y, epochs=2)
    print(model(X[:3]).shape, y[:3].shape)  # look at these two shapes
