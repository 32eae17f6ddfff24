"""Tensor puzzles: broadcasting and reshaping, without Python loops.

Write three functions, each in a line or two of tensor operations (no for loops):
  outer(a, b): a (N,), b (M,) -> (N, M) with out[i, j] = a[i] * b[j];
  pairwise_sq_distances(A, B): A (N, D), B (M, D) -> (N, M), the squared distance from
      each row of A to each row of B;
  flatten_images(x): images (B, C, H, W) -> (B, C·H·W), whatever B is (even 1).
The check runs them on random shapes and values.

    dlcourse exercise check tensor-puzzles
"""

import torch


def outer(a, b):
    """a (N,), b (M,) -> (N, M): out[i, j] = a[i] * b[j]."""
    raise NotImplementedError("give a a new axis and let broadcasting pair every a with every b")


def pairwise_sq_distances(A, B):
    """A (N, D), B (M, D) -> (N, M): out[i, j] = Σ_k (A[i, k] − B[j, k])²."""
    raise NotImplementedError


def flatten_images(x):
    """(B, C, H, W) -> (B, C·H·W): one row of pixels per image."""
    raise NotImplementedError


if __name__ == "__main__":
    print(outer(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 10.0, 100.0])))
    print(pairwise_sq_distances(torch.zeros(2, 3), torch.ones(4, 3)))  # all 3
    print(flatten_images(torch.zeros(1, 3, 4, 4)).shape)  # (1, 48)
