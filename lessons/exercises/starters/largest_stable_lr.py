"""The largest stable learning rate, from the Hessian.

For least squares, loss(w) = Σ (X @ w − y)² with X of shape (N, k), the Hessian is the
same everywhere: H = 2·XᵀX. Gradient descent with step lr multiplies the error along each
eigenvector of H by (1 − lr·λ); it diverges once that factor passes −1 for the largest
eigenvalue. Write `largest_stable_lr(X)`: the learning rate at that edge (a float). The
check compares it with the true edge on random X, and runs descent just below and just
above it.

    dlcourse exercise check largest-stable-lr
"""

import torch


def largest_stable_lr(X):
    """The learning rate where plain gradient descent on Σ (X @ w − y)² starts to diverge."""
    raise NotImplementedError("build the Hessian and find its largest eigenvalue")


if __name__ == "__main__":
    x = torch.linspace(-3.14159, 3.14159, 1000, dtype=torch.float64)
    X = torch.stack([x**3, x**2, x, torch.ones_like(x)], dim=1)  # the sine lesson's cubic
    print(largest_stable_lr(X))  # about 7e-6
