"""The largest stable learning rate, from the Hessian."""

import torch


def largest_stable_lr(X):
    """The learning rate where plain gradient descent on Σ (X @ w − y)² starts to diverge."""
    H = 2 * X.T @ X  # (k, k): the loss's curvature, the same at every w
    lam_max = torch.linalg.eigvalsh(H)[-1]  # eigvalsh: symmetric H, eigenvalues ascending
    # a step multiplies the error along the steepest direction by (1 − lr·λ_max);
    # past lr = 2/λ_max that factor is below −1 and every step overshoots further
    return 2 / lam_max.item()


if __name__ == "__main__":
    x = torch.linspace(-3.14159, 3.14159, 1000, dtype=torch.float64)
    X = torch.stack([x**3, x**2, x, torch.ones_like(x)], dim=1)  # the sine lesson's cubic
    print(largest_stable_lr(X))  # about 7e-6
