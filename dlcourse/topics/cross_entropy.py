"""The numbers behind `dlcourse explain cross-entropy`, from the definitions."""

from __future__ import annotations

import math
from pathlib import Path


def entropy(p: list[float], base: float = math.e) -> float:
    """H(p) = -sum p log p (terms with p = 0 contribute nothing)."""
    return -sum(pi * math.log(pi, base) for pi in p if pi > 0)


def cross_entropy(p: list[float], q: list[float], base: float = math.e) -> float:
    """H(p, q) = -sum p log q: the cost of coding outcomes from p with a code built for q."""
    return -sum(pi * math.log(qi, base) for pi, qi in zip(p, q, strict=True) if pi > 0)


def kl_divergence(p: list[float], q: list[float], base: float = math.e) -> float:
    """KL(p || q) = sum p log(p / q) >= 0, zero only when q = p."""
    return sum(pi * math.log(pi / qi, base) for pi, qi in zip(p, q, strict=True) if pi > 0)


def l1(p: list[float], q: list[float]) -> float:
    return sum(abs(pi - qi) for pi, qi in zip(p, q, strict=True))


def values() -> dict:
    fair, guess = [0.5, 0.5], [0.25, 0.75]
    cat = [0.0, 1.0]  # one-hot target: the picture is a cat ([dog, cat])
    good, bad = [0.1, 0.9], [0.7, 0.3]
    v = {
        "coin_h": entropy(fair, 2),
        "coin_ce": cross_entropy(fair, guess, 2),
        "coin_kl": kl_divergence(fair, guess, 2),
        "good_ce": cross_entropy(cat, good),
        "good_l1_cat": abs(1 - good[1]),
        "good_l1": l1(cat, good),
        "bad_ce": cross_entropy(cat, bad),
        "bad_l1_cat": abs(1 - bad[1]),
        "bad_l1": l1(cat, bad),
    }
    v["ce_ratio"] = v["bad_ce"] / v["good_ce"]
    v["l1_ratio"] = v["bad_l1_cat"] / v["good_l1_cat"]
    # Slope in the right class's probability q: d(-ln q)/dq = -1/q, d(1 - q)/dq = -1.
    v["slope_good"], v["slope_bad"], v["slope_awful"] = (-1 / q for q in (good[1], bad[1], 0.01))
    return v


def plot(folder: Path) -> Path:
    """-ln q and 1 - q against q, the probability given to the right class."""
    from dlcourse import plots
    from dlcourse.i18n import msg

    qs = [i / 1000 for i in range(5, 1001)]
    v = values()
    fig = plots.curves(
        qs, {msg("topics.cross_entropy.ce"): [-math.log(q) for q in qs],
             msg("topics.cross_entropy.l1"): [1 - q for q in qs]},
        title=msg("topics.cross_entropy.title"), xlabel=msg("topics.cross_entropy.q"),
        ylabel=msg("topics.cross_entropy.loss"),
        marks={f"q=0.9: CE {v['good_ce']:.4f}": (0.9, v["good_ce"]),
               f"q=0.3: CE {v['bad_ce']:.4f}": (0.3, v["bad_ce"])},
    )
    return plots.save(fig, folder / "cross-entropy-vs-l1.png")
