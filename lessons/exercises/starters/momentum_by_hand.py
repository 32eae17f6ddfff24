"""SGD with momentum, written by hand.

Write `momentum_step(w, grad, velocity, lr, momentum)`: one step of
torch.optim.SGD(momentum=...), returning the new (w, velocity) as new tensors. PyTorch's
form: the velocity is momentum × the old velocity + the gradient, and w moves by lr × the
velocity (the first step starts from a velocity of zeros). The check runs your step and
torch.optim.SGD side by side for many steps, with a learning rate that changes as a
scheduler would change it, and compares w and the velocity at every step.

    dlcourse exercise check momentum-by-hand
"""

import torch


def momentum_step(w, grad, velocity, lr, momentum):
    """One SGD-with-momentum step; returns (new w, new velocity), shapes as w's."""
    raise NotImplementedError("update the velocity, then move w")


if __name__ == "__main__":
    w, v = torch.tensor([1.0, -2.0]), torch.zeros(2)
    for _ in range(3):
        w, v = momentum_step(w, 2 * w, v, lr=0.1, momentum=0.9)  # the gradient of Σ w²
        print(w, v)
