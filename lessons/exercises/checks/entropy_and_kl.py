"""cross_entropy and kl_divergence on random distributions, many with zero entries."""

import torch

from dlcourse.exercises import checking


def distributions(case, shape, zeros):
    """Random distributions along the last dim; `zeros` of the entries set to exactly 0."""
    raw = case.rand(*shape) ** 3
    raw = torch.where(case.rand(*shape) < zeros, torch.zeros_like(raw), raw)
    raw[..., 0] += 0.05  # every row keeps some mass
    return raw / raw.sum(dim=-1, keepdim=True)


def check(learner):
    cross_entropy = checking.function(learner, "cross_entropy")
    kl = checking.function(learner, "kl_divergence")
    for case in checking.cases(25):
        shape = (*case.shape(case.int(0, 2), 1, 4), case.int(2, 6))
        p = distributions(case, shape, zeros=case.choice([0.0, 0.3, 0.6]))
        q = distributions(case, shape, zeros=0.0)
        q = torch.where(p == 0, q * case.choice([1.0, 0.0]), q)  # q may be 0 where p is
        q = q / q.sum(dim=-1, keepdim=True)
        h = -torch.xlogy(p, q).sum(-1)
        expected_kl = h + torch.xlogy(p, p).sum(-1)
        compare("cross_entropy(p, q)", cross_entropy(p, q), h, p, q)
        compare("kl_divergence(p, q)", kl(p, q), expected_kl, p, q)
        compare("kl_divergence(p, p)", kl(p, p), torch.zeros_like(h), p, p)


def compare(what, got, expected, p, q):
    """expect_close, with the first distribution where they differ as the example."""
    checking.expect_shape(what, got, tuple(expected.shape))
    bad = ~torch.isclose(got.detach().to(expected.dtype), expected, rtol=1e-6, atol=1e-9)
    if bad.any():
        row = tuple(bad.nonzero()[0].tolist())  # the first wrong distribution's index
        checking.expect_close(what, got[row], expected[row], rtol=1e-6, atol=1e-9,
                              example=f"p = {checking.values(p[row])}, "
                                      f"q = {checking.values(q[row])}",
                              note="0·log 0 counts 0" if (p[row] == 0).any() else None)
