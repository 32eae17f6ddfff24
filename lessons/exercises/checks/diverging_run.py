"""what_to_change on generated runs of four kinds: diverging, memorising, still learning
and converged, with noise, lengths and scales drawn at random."""

import math

from dlcourse.exercises import checking

KINDS = ("LOWER_LR", "REGULARIZE", "LONGER", "NOTHING")
RUNS = {"LOWER_LR": "diverging", "REGULARIZE": "memorising", "LONGER": "still learning",
        "NOTHING": "converged"}


def noisy(case, values, amount):
    return [v * (1 + amount * case.float(-1, 1)) for v in values]


def diverging(case, n, start):
    growth = case.float(1.5, 4)
    train = [start * growth**t for t in range(n)]
    if case.index % 2:  # overflow to nan or inf partway through
        cut = case.int(2, n - 1)
        train[cut:] = [case.choice([math.nan, math.inf])] * (n - cut)
        return train, list(train)
    zigzag = [v * (1 + 0.3 * (-1) ** t) for t, v in enumerate(train)]  # overshooting
    return zigzag, noisy(case, zigzag, 0.05)


def memorising(case, n, start):
    train = noisy(case, [start * 0.5**t for t in range(n)], 0.02)  # ends far below start/10
    best, low = case.int(2, n // 2), case.float(0.3, 0.6) * start
    test = [low + start * 0.1 * abs(t - best) * case.float(1.0, 1.5) for t in range(n)]
    return train, test


def still_learning(case, n, start):
    rate = case.float(0.03, 0.06)  # slow, steady progress: each epoch 3-6 % lower
    train = [start * (1 - rate) ** t for t in range(n)]
    return train, [v * 1.1 for v in train]


def converged(case, n, start):
    floor = case.float(0.2, 0.5) * start
    train = [floor + (start - floor) * 0.2**t for t in range(n)]
    train = [train[t] if t < n - 3 else floor * (1 + 0.001 * case.float(-1, 1))
             for t in range(n)]
    return train, [v * 1.2 for v in train]


def check(learner):
    what_to_change = checking.function(learner, "what_to_change")
    answers = {kind: getattr(learner, kind, None) for kind in KINDS}
    missing = [k for k, v in answers.items() if v is None]
    checking.expect_true("your file", not missing,
                         f"expected the constants {', '.join(KINDS)}, got none for {missing}")
    makers = {"LOWER_LR": diverging, "REGULARIZE": memorising, "LONGER": still_learning,
              "NOTHING": converged}
    for case in checking.cases(40):
        kind = KINDS[case.index % 4]
        n, start = case.int(8, 30), case.log_float(0.1, 10)
        train, test = makers[kind](case, n, start)
        got = what_to_change(list(train), list(test))
        shown = ", ".join(f"{v:.3g}" for v in train[:3]) + ", ..., " + \
            ", ".join(f"{v:.3g}" for v in train[-2:])
        checking.expect_equal(f"what_to_change for a {RUNS[kind]} run",
                              got, answers[kind],
                              f"training losses {shown}; test losses ending "
                              f"{', '.join(f'{v:.3g}' for v in test[-3:])}")
