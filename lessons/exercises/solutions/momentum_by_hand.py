"""SGD with momentum, written by hand, as torch.optim.SGD does it."""

import torch


def momentum_step(w, grad, velocity, lr, momentum):
    """One SGD-with-momentum step; returns (new w, new velocity), shapes as w's."""
    # the velocity is a running sum of gradients, each older one worth `momentum` times
    # less: along a steady slope it grows to grad / (1 − momentum), 10× at momentum 0.9,
    # while gradients that flip sign from step to step cancel out
    velocity = momentum * velocity + grad
    # lr multiplies the velocity, not the gradient: PyTorch's form (a changed lr acts at once)
    return w - lr * velocity, velocity


if __name__ == "__main__":
    w, v = torch.tensor([1.0, -2.0]), torch.zeros(2)
    for _ in range(3):
        w, v = momentum_step(w, 2 * w, v, lr=0.1, momentum=0.9)  # the gradient of Σ w²
        print(w, v)
