"""What to change, read from a run's loss curves."""

import math

LOWER_LR = "lower the learning rate"
REGULARIZE = "regularize or get more data"
LONGER = "train longer"
NOTHING = "nothing: it has converged"


def what_to_change(train_losses, test_losses):
    """One of LOWER_LR, REGULARIZE, LONGER, NOTHING for these loss curves."""
    first, last = train_losses[0], train_losses[-1]
    # blown up: nan or inf anywhere, or worse than at the start. Steps overshoot the
    # minimum; 10× smaller is the first thing to try
    if not all(math.isfinite(v) for v in [*train_losses, *test_losses]) or last > first:
        return LOWER_LR
    # memorising: the training loss nearly gone, the test loss climbing off its best
    if last < first / 10 and test_losses[-1] > 1.2 * min(test_losses):
        return REGULARIZE
    # still learning: the last epoch helped by more than 1 %
    if last < 0.99 * train_losses[-2]:
        return LONGER
    return NOTHING


if __name__ == "__main__":
    print(what_to_change([2.3, 5.1, 40.0, math.inf], [2.3, 6.0, 50.0, math.inf]))  # LOWER_LR
