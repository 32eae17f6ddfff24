"""Tensor puzzles: broadcasting and reshaping, without Python loops."""

import torch


def outer(a, b):
    """a (N,), b (M,) -> (N, M): out[i, j] = a[i] * b[j]."""
    return a[:, None] * b[None, :]  # (N, 1) * (1, M) broadcasts to (N, M)


def pairwise_sq_distances(A, B):
    """A (N, D), B (M, D) -> (N, M): out[i, j] = Σ_k (A[i, k] − B[j, k])²."""
    diff = A[:, None, :] - B[None, :, :]  # (N, 1, D) − (1, M, D) -> (N, M, D)
    return (diff**2).sum(dim=2)  # sum over the D coordinates -> (N, M)


def flatten_images(x):
    """(B, C, H, W) -> (B, C·H·W): one row of pixels per image."""
    return x.reshape(len(x), -1)  # keep the batch size; -1 works out C·H·W


if __name__ == "__main__":
    print(outer(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 10.0, 100.0])))
    print(pairwise_sq_distances(torch.zeros(2, 3), torch.ones(4, 3)))  # all 3
    print(flatten_images(torch.zeros(1, 3, 4, 4)).shape)  # (1, 48)
