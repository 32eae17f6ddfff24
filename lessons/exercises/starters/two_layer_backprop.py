"""Backpropagation through a two-layer network, by hand.

The network: h = relu(X @ W1 + b1), y_hat = h @ W2 + b2, loss = mean((y_hat − y)²), with
X (N, D), W1 (D, H), b1 (H,), W2 (H,), b2 a 0-d tensor, y (N,). Write
`gradients(X, y, W1, b1, W2, b2)`: a dict {"W1": ..., "b1": ..., "W2": ..., "b2": ...} of
∂loss/∂ each, shaped as each parameter, by the chain rule (no autograd). The check
compares them with autograd and with finite differences on random networks.

    dlcourse exercise check two-layer-backprop
"""

import torch


def gradients(X, y, W1, b1, W2, b2):
    """∂loss/∂W1, ∂loss/∂b1, ∂loss/∂W2, ∂loss/∂b2 as a dict, each shaped as its parameter."""
    raise NotImplementedError("forward first, keeping z = X @ W1 + b1 and h; then go backwards")


if __name__ == "__main__":
    X, y = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, dtype=torch.float64)
    W1, b1 = torch.randn(3, 4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
    W2, b2 = torch.randn(4, dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64)
    for name, g in gradients(X, y, W1, b1, W2, b2).items():
        print(name, tuple(g.shape))
