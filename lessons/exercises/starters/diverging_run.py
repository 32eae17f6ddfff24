"""What to change, read from a run's loss curves.

Write `what_to_change(train_losses, test_losses)`: given one training and one test loss
per epoch (lists of floats, at least 4 each), return one of the four answers below,
taking the first rule that applies:
  LOWER_LR   if any loss is nan or inf, or the last training loss is above the first;
  REGULARIZE if the training loss fell below a tenth of its first value while the last
             test loss is more than 20 % above the lowest test loss (memorising);
  LONGER     if the last epoch still lowered the training loss by more than 1 %;
  NOTHING    otherwise.
The check generates many runs of each kind, with noise.

    dlcourse exercise check diverging-run
"""

import math

LOWER_LR = "lower the learning rate"
REGULARIZE = "regularize or get more data"
LONGER = "train longer"
NOTHING = "nothing: it has converged"


def what_to_change(train_losses, test_losses):
    """One of LOWER_LR, REGULARIZE, LONGER, NOTHING for these loss curves."""
    raise NotImplementedError("test the rules in order")


if __name__ == "__main__":
    print(what_to_change([2.3, 5.1, 40.0, math.inf], [2.3, 6.0, 50.0, math.inf]))  # LOWER_LR
