"""The three puzzles on random shapes and values."""

from dlcourse.exercises import checking


def check(learner):
    outer = checking.function(learner, "outer")
    pairwise = checking.function(learner, "pairwise_sq_distances")
    flatten = checking.function(learner, "flatten_images")
    for case in checking.cases(25):
        n, m, d = case.int(1, 7), case.int(1, 7), case.int(1, 5)
        a, b = case.randn(n), case.randn(m)
        checking.expect_close("outer(a, b)", outer(a, b), a.unsqueeze(1) * b.unsqueeze(0),
                              example=f"a = {checking.values(a)}, b = {checking.values(b)}")
    for case in checking.cases(25, seed=1):
        n, m, d = case.int(1, 7), case.int(1, 7), case.int(1, 5)
        A, B = case.randn(n, d), case.randn(m, d)
        expected = ((A.unsqueeze(1) - B.unsqueeze(0)) ** 2).sum(-1)
        checking.expect_close("pairwise_sq_distances(A, B)", pairwise(A, B), expected,
                              rtol=1e-6, atol=1e-9,
                              example=f"A of shape {tuple(A.shape)}, B of shape {tuple(B.shape)}")
    for case in checking.cases(25, seed=2):
        shape = (case.choice([1, 2, 3, 5]), *case.shape(3, 1, 5))
        x = case.randn(*shape)
        checking.expect_close("flatten_images(x)", flatten(x), x.flatten(1),
                              example=f"x of shape {shape}")
