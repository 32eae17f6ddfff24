"""The numbers behind `dlcourse explain gradient-descent`: descent on f(w) = (w − 3)²."""

from __future__ import annotations

TARGET = 3.0  # f(w) = (w - 3)^2 has its minimum at w = 3


def grad(w: float) -> float:
    return 2 * (w - TARGET)


def descend(lr: float, steps: int, w: float = 0.0) -> list[float]:
    """w after each step of w <- w - lr * f'(w), starting from w."""
    path = [w]
    for _ in range(steps):
        w = w - lr * grad(w)
        path.append(w)
    return path


def values() -> dict:
    v = {}
    for name, lr in (("slow", 0.1), ("exact", 0.5), ("zigzag", 0.9), ("blowup", 1.1)):
        path = descend(lr, 10)
        v[f"{name}_lr"] = lr
        v[f"{name}_path"] = ", ".join(f"{w:.2f}" for w in path[:6])
        v[f"{name}_w10"] = path[10]
        v[f"{name}_factor"] = abs(1 - 2 * lr)  # the error is multiplied by this each step
    return v
