"""momentum_step against torch.optim.SGD(momentum=...), step by step, on random quadratics
with a learning rate that changes every step."""

import torch

from dlcourse.exercises import checking


def check(learner):
    momentum_step = checking.function(learner, "momentum_step")
    for case in checking.cases(15):
        k, steps = case.int(1, 6), case.int(5, 40)
        momentum = case.choice([0.5, 0.9, 0.99, case.float(0.1, 0.95)])
        A = case.randn(k, k)
        H = A @ A.T + torch.eye(k, dtype=A.dtype)  # a random bowl: loss = ½ wᵀHw − bᵀw
        b = case.randn(k)
        p = case.randn(k).requires_grad_()
        optimizer = torch.optim.SGD([p], lr=0.1, momentum=momentum)
        w, velocity = p.detach().clone(), torch.zeros(k, dtype=p.dtype)
        for step in range(steps):
            lr = case.log_float(1e-3, 0.5) / torch.linalg.matrix_norm(H, ord=2).item()
            optimizer.param_groups[0]["lr"] = lr  # as a scheduler would set it
            optimizer.zero_grad()
            (0.5 * p @ H @ p - b @ p).backward()
            grad = p.grad.detach().clone()
            optimizer.step()
            w, velocity = momentum_step(w, grad, velocity, lr, momentum)
            example = f"step {step + 1} of {k}-D descent, momentum {momentum:.3g}, lr {lr:.3g}"
            checking.expect_close("the velocity", velocity,
                                  optimizer.state[p]["momentum_buffer"], rtol=1e-6, atol=1e-9,
                                  example=example)
            checking.expect_close("w", w, p.detach(), rtol=1e-6, atol=1e-9, example=example)
            w, velocity = p.detach().clone(), optimizer.state[p]["momentum_buffer"].clone()
