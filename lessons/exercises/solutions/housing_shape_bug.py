"""The housing loop, with the source post's (N, 1)-against-(N,) bug fixed."""

import torch
from torch import nn


class MLP(nn.Module):
    """8 features -> 100 ReLU units -> 1 price, returned as shape (N,) like the target."""

    def __init__(self, features=8, hidden=100):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(),
                                    nn.Linear(hidden, 1))

    def forward(self, x):  # (N, 8) -> (N,)
        # the fix: nn.Linear(hidden, 1) gives (N, 1); against a target of shape (N,) the
        # loss would broadcast both to (N, N) and compare every price with every prediction
        return self.layers(x).squeeze(1)


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
            loss = loss_fn(model(X[idx]), y[idx])  # (B,) against (B,): one error per house
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


if __name__ == "__main__":
    X, y = torch.randn(1000, 8), torch.randn(1000)
    model = train(X, y, epochs=2)
    print(model(X[:3]).shape, y[:3].shape)  # both (3,)
