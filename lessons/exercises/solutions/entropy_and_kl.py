"""Cross-entropy and KL divergence between distributions."""

import torch


def cross_entropy(p, q):
    """H(p, q) = −Σ_k p_k log q_k over the last dimension: (..., K) -> (...)."""
    # xlogy(p, q) = p·log q, but exactly 0 where p is 0, even where q is 0 too:
    # p * q.log() would give 0 · (−inf) = nan there
    return -torch.xlogy(p, q).sum(dim=-1)


def kl_divergence(p, q):
    """KL(p ‖ q) = Σ_k p_k log(p_k / q_k) over the last dimension: (..., K) -> (...)."""
    # KL = H(p, q) − H(p): the extra nats paid for coding p's outcomes with q's code
    entropy = -torch.xlogy(p, p).sum(dim=-1)
    return cross_entropy(p, q) - entropy


if __name__ == "__main__":
    p = torch.tensor([1.0, 0.0, 0.0])  # a one-hot label
    q = torch.tensor([0.7, 0.3, 0.0])  # a prediction
    print(cross_entropy(p, q), kl_divergence(p, q))  # both −log 0.7 ≈ 0.357
