"""Backpropagation through a two-layer network, by hand."""

import torch


def gradients(X, y, W1, b1, W2, b2):
    """∂loss/∂W1, ∂loss/∂b1, ∂loss/∂W2, ∂loss/∂b2 as a dict, each shaped as its parameter."""
    # forward, keeping what the backward pass needs
    z = X @ W1 + b1  # (N, H)
    h = z.clamp(min=0)  # (N, H)  relu
    y_hat = h @ W2 + b2  # (N,)
    # backward: each line is the previous gradient times one local derivative
    g_y_hat = 2 * (y_hat - y) / len(y)  # (N,)  ∂loss/∂y_hat, the mean's 1/N included
    g_W2 = h.T @ g_y_hat  # (H,)  y_hat is linear in W2: sum over the examples
    g_b2 = g_y_hat.sum()  # ()  b2 is added to every example
    g_h = g_y_hat[:, None] * W2[None, :]  # (N, H)  each h[n, j] reaches y_hat[n] through W2[j]
    g_z = g_h * (z > 0)  # (N, H)  relu passes the gradient where it was active, else 0
    g_W1 = X.T @ g_z  # (D, H)
    g_b1 = g_z.sum(dim=0)  # (H,)
    return {"W1": g_W1, "b1": g_b1, "W2": g_W2, "b2": g_b2}


if __name__ == "__main__":
    X, y = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, dtype=torch.float64)
    W1, b1 = torch.randn(3, 4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
    W2, b2 = torch.randn(4, dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64)
    for name, g in gradients(X, y, W1, b1, W2, b2).items():
        print(name, tuple(g.shape))
