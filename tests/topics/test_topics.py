"""Explain-page numbers against independent references (torch.nn.functional, autograd)."""

import math

import pytest
import torch
import torch.nn.functional as F

from dlcourse.topics import backprop, cross_entropy, gradient_descent, pytorch_style


def test_cross_entropy_numbers_match_torch():
    v = cross_entropy.values()
    # one-hot cat target; log of the probabilities as logits makes softmax return them
    for q, key in (([0.1, 0.9], "good_ce"), ([0.7, 0.3], "bad_ce")):
        ce = F.cross_entropy(torch.tensor([q]).log(), torch.tensor([1]), reduction="sum")
        assert v[key] == pytest.approx(ce.item(), rel=1e-6)
    p, q = torch.tensor([0.5, 0.5]), torch.tensor([0.25, 0.75])
    kl_nats = F.kl_div(q.log(), p, reduction="sum").item()
    assert v["coin_kl"] == pytest.approx(kl_nats / math.log(2), rel=1e-6)


def test_cross_entropy_numbers_match_the_source_post():
    v = cross_entropy.values()
    assert v["coin_h"] == pytest.approx(1.0)
    assert v["coin_ce"] == pytest.approx(1.2075, abs=5e-5)
    # the post truncates: -ln 0.9 = 0.10536 ("0.1053"), -ln 0.3 = 1.20397 ("1.2039")
    assert v["good_ce"] == pytest.approx(0.1053, abs=1e-4)
    assert v["bad_ce"] == pytest.approx(1.2039, abs=1e-4)
    assert (v["good_l1_cat"], v["bad_l1_cat"]) == pytest.approx((0.1, 0.7))


def test_cross_entropy_is_entropy_plus_kl():
    for p, q in (([0.2, 0.8], [0.5, 0.5]), ([0.1, 0.6, 0.3], [0.3, 0.3, 0.4])):
        assert cross_entropy.cross_entropy(p, q) == pytest.approx(
            cross_entropy.entropy(p) + cross_entropy.kl_divergence(p, q))


def test_gradient_descent_table_matches_the_closed_form():
    v = gradient_descent.values()
    for name in ("slow", "zigzag", "blowup"):
        lr = v[f"{name}_lr"]
        assert v[f"{name}_w10"] == pytest.approx(3 - 3 * (1 - 2 * lr) ** 10)
    assert v["exact_w10"] == 3.0


def test_backprop_numbers_match_autograd():
    v = backprop.values()
    w = torch.tensor(backprop.W, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(backprop.B, dtype=torch.float64, requires_grad=True)
    loss = (torch.sigmoid(w * backprop.X + b) - backprop.T) ** 2
    loss.backward()
    assert v["loss"] == pytest.approx(loss.item())
    assert v["dloss_dw"] == pytest.approx(w.grad.item(), rel=1e-12)
    assert v["dloss_db"] == pytest.approx(b.grad.item(), rel=1e-12)
    assert v["fd_w"] == pytest.approx(v["dloss_dw"], rel=1e-6)


def test_the_pytorch_style_program_shown_is_the_one_that_runs():
    from dlcourse.topics import pytorch_style_example as example

    shown = pytorch_style.values()
    assert "class Net(nn.Module)" in shown["module"]
    assert "optimizer.zero_grad()" in shown["loop"]
    assert example.main(epochs=20) > 0.9
