"""The program `dlcourse explain pytorch-style` shows, piece by piece. It runs as is:
    python -m dlcourse.topics.pytorch_style_example
"""

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class Circles(Dataset):
    """Points in the square [-1, 1]²; the label says whether a point lies inside the circle."""

    def __init__(self, n: int, seed: int = 0):
        g = torch.Generator().manual_seed(seed)
        self.X = torch.rand(n, 2, generator=g) * 2 - 1  # (n, 2)
        self.y = (self.X.pow(2).sum(dim=1) < 0.5).long()  # (n,) 1 inside, 0 outside

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], self.y[i]


class Net(nn.Module):
    """Two inputs, one hidden layer of 32, two class scores (logits)."""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))

    def forward(self, x):  # (B, 2) -> (B, 2)
        return self.layers(x)


def train(model, loader, loss_fn, optimizer):
    model.train()
    for X, y in loader:
        optimizer.zero_grad()  # gradients add up unless cleared
        loss = loss_fn(model(X), y)  # forward
        loss.backward()  # backward: fills p.grad for every parameter
        optimizer.step()  # update the weights


@torch.no_grad()
def accuracy(model, loader):
    model.eval()
    correct = sum((model(X).argmax(dim=1) == y).sum().item() for X, y in loader)
    return correct / len(loader.dataset)


def main(epochs: int = 20):
    torch.manual_seed(0)
    train_loader = DataLoader(Circles(2000, seed=1), batch_size=64, shuffle=True)
    test_loader = DataLoader(Circles(500, seed=2), batch_size=500)
    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(epochs):
        train(model, train_loader, nn.CrossEntropyLoss(), optimizer)
    return accuracy(model, test_loader)


if __name__ == "__main__":
    print(f"test accuracy: {main():.3f}")
