"""Cross-entropy and KL divergence between distributions.

p and q are probability distributions along the last dimension: tensors (..., K) whose
entries are ≥ 0 and sum to 1. Write `cross_entropy(p, q)` = −Σ p·log q and
`kl_divergence(p, q)` = Σ p·log(p / q), in nats (natural log), one value per
distribution: shape (...). A term whose p is 0 counts 0 (0·log 0 = 0), as in the
definitions; one-hot targets have many. The check uses random distributions with zeros.

    dlcourse exercise check entropy-and-kl
"""

import torch


def cross_entropy(p, q):
    """H(p, q) = −Σ_k p_k log q_k over the last dimension: (..., K) -> (...)."""
    raise NotImplementedError("mind the terms where p is 0")


def kl_divergence(p, q):
    """KL(p ‖ q) = Σ_k p_k log(p_k / q_k) over the last dimension: (..., K) -> (...)."""
    raise NotImplementedError


if __name__ == "__main__":
    p = torch.tensor([1.0, 0.0, 0.0])  # a one-hot label
    q = torch.tensor([0.7, 0.3, 0.0])  # a prediction
    print(cross_entropy(p, q), kl_divergence(p, q))  # both −log 0.7 ≈ 0.357
