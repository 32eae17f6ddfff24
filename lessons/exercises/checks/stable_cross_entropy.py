"""cross_entropy against F.cross_entropy, on random batches, and at logits of ±1000."""

import torch
import torch.nn.functional as F

from dlcourse.exercises import checking

YOURSELF = "the exercise is to write it yourself (the log-sum-exp trick)"
FORBIDDEN = {name: YOURSELF for name in (
    "torch.nn.functional.cross_entropy", "torch.nn.functional.log_softmax",
    "torch.nn.functional.nll_loss", "torch.logsumexp", "torch.log_softmax",
    "torch.Tensor.logsumexp", "torch.Tensor.log_softmax")}


def check(learner):
    cross_entropy = checking.function(learner, "cross_entropy")
    for case in checking.cases(30):
        n, c = case.int(1, 40), case.int(2, 12)
        scale = case.choice([0.1, 1.0, 10.0, 100.0, 1000.0])
        logits = case.randn(n, c, scale=scale, dtype=torch.float32)  # (N, C)
        targets = case.randint(0, c, (n,))  # (N,)
        with checking.forbid(FORBIDDEN):
            got = cross_entropy(logits, targets)
        where = (f"{n} rows of {c} logits of size about {scale:g}, "
                 f"row 0: {checking.values(logits[0])}")
        checking.expect_tensor("cross_entropy(...)", got)
        if not torch.isfinite(got).all():
            raise checking.Mismatch(
                "the loss", f"a finite number at logits of size {scale:g}",
                checking.values(got), example=where,
                note="exp() overflows and probabilities round to 0: stay in logs, "
                     "log p = (z − max) − log Σ exp(z − max)")
        checking.expect_close("the mean loss", got, F.cross_entropy(logits, targets),
                              rtol=1e-4, atol=1e-5, example=where)
    extreme = torch.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]])
    targets = torch.tensor([1, 1])  # the first row's right class gets exp(-2000): loss 1000
    with checking.forbid(FORBIDDEN):
        got = cross_entropy(extreme, targets)
    checking.expect_close("the loss at logits of ±1000", got, F.cross_entropy(extreme, targets),
                          rtol=1e-5, example="logits [[1000, -1000, 0], [-1000, 1000, 0]], "
                                             "targets [1, 1]")
