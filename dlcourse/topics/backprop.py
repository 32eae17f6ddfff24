"""The numbers behind `dlcourse explain backprop`: one neuron, chain rule vs finite differences.

The network: z = w·x + b, y_hat = σ(z), loss = (y_hat − t)².
"""

from __future__ import annotations

import math

X, T = 2.0, 1.0  # one input and its target
W, B = 0.5, -1.5  # the weights we differentiate at


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def loss(w: float, b: float) -> float:
    return (sigmoid(w * X + b) - T) ** 2


def values() -> dict:
    z = W * X + B
    y_hat = sigmoid(z)
    dloss_dy = 2 * (y_hat - T)  # outermost link first: that is the "back" in backprop
    dy_dz = y_hat * (1 - y_hat)  # the sigmoid's slope
    dloss_dz = dloss_dy * dy_dz
    eps = 1e-6  # central differences: the slow, independent check
    return {
        "x": X, "t": T, "w": W, "b": B, "z": z, "y_hat": y_hat, "loss": loss(W, B),
        "dloss_dy": dloss_dy, "dy_dz": dy_dz, "dloss_dz": dloss_dz,
        "dloss_dw": dloss_dz * X, "dloss_db": dloss_dz,
        "fd_w": (loss(W + eps, B) - loss(W - eps, B)) / (2 * eps),
        "fd_b": (loss(W, B + eps) - loss(W, B - eps)) / (2 * eps),
    }
