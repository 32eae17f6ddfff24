"""The tensors, optimizers and saving lessons: their numbers against reference computations,
and a seconds-long run of each."""

import io
import json
import math
import pickle

import pytest
import torch
import torch.nn.functional as F
from rich.console import Console

from dlcourse.course import catalog, runner
from dlcourse.course.render import Screen, fill, right_answer
from dlcourse.errors import UserError
from dlcourse.lessons import optimizers, saving, sine, tensors


def start(name, *args, tmp_path, folder="r"):
    out = io.StringIO()
    screen = Screen(console=Console(file=out, width=100))
    code = runner.start(name, [*args, "--out", str(tmp_path / folder)], screen)
    metrics = tmp_path / folder / "metrics.json"
    return code, out.getvalue(), json.loads(metrics.read_text()) if metrics.exists() else {}


def quiz(name):
    return catalog.read_quiz(catalog.get("lesson", name))


def assert_quiz_explains_itself(name, final):
    """Every answer's explanation can be filled from the run's final figures."""
    for question in quiz(name):
        assert "{{" not in fill(question["why"], final)


# --- tensors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [2, 4, 7])
def test_n1_minus_n_broadcasts_to_n_by_n_and_scores_twice_the_variance(n):
    y, y_hat, diff, wrong, right = tensors.broadcast_trap(n)
    assert y_hat.shape == (n, 1) and y.shape == (n,) and diff.shape == (n, n)
    assert torch.equal(diff, y.view(n, 1).expand(n, n) - y.view(1, n).expand(n, n))
    reference = sum((a - b) ** 2 for a in y.tolist() for b in y.tolist()) / n**2
    assert wrong.item() == pytest.approx(reference)
    assert wrong.item() == pytest.approx(2 * y.var(unbiased=False).item())  # "twice the variance"
    assert right.item() == 0
    with pytest.warns(UserWarning, match="different to the input size"):
        assert F.mse_loss(y_hat, y).item() == pytest.approx(reference)


def test_the_broadcast_loss_is_smallest_when_every_prediction_is_the_mean():
    """What the page says the bug trains: a model that predicts the mean."""
    y = torch.arange(1.0, 6.0)
    y_hat = torch.full((5, 1), y.mean().item(), requires_grad=True)
    loss = ((y_hat - y) ** 2).mean()
    (grad,) = torch.autograd.grad(loss, y_hat)
    assert grad.abs().max() < 1e-6
    assert loss.item() < ((y.unsqueeze(1) - y) ** 2).mean().item()  # beats the perfect model


def test_autograd_on_the_tiny_graph_equals_the_hand_formula():
    x, y, w, b, y_hat, loss = tensors.tiny_graph()
    hand_w, hand_b = tensors.hand_gradients(x, y, w.detach(), b.detach())
    # by hand on paper: residuals (−2.5, −4, −5.5); ∂L/∂w = mean(2·r·x) = −18, ∂L/∂b = −8
    assert w.grad.item() == hand_w.item() == -18.0 and b.grad.item() == hand_b.item() == -8.0
    assert loss.item() == pytest.approx((2.5**2 + 4**2 + 5.5**2) / 3)


@pytest.mark.parametrize("seed", range(3))
def test_hand_gradients_equal_autograd_anywhere(seed):
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(5, generator=g), torch.randn(5, generator=g)
    w, b = torch.randn(2, generator=g).requires_grad_()
    auto = torch.autograd.grad(((w * x + b - y) ** 2).mean(), (w, b))
    torch.testing.assert_close(torch.stack(tensors.hand_gradients(x, y, w, b)),
                               torch.stack(auto))


def test_view_refuses_a_transpose_and_reshape_copies_it():
    t, m, mt, flat, view_error = tensors.reshaping()
    assert t[0].item() == 100  # m is a view of t
    assert not mt.is_contiguous() and mt.stride() == (1, 3)
    assert "view size is not compatible" in view_error
    assert flat.tolist() == [100, 3, 1, 4, 2, 5]
    assert not tensors.shares_memory(flat, t) and tensors.shares_memory(m.reshape(6), t)


def test_dtype_promotion_and_float32_precision():
    mixed = tensors.mix_dtypes()
    dtypes = {k: v.dtype for k, v in mixed.items()}
    assert dtypes == {"ints + floats": torch.float32, "ints / 2": torch.float32,
                      "ints // 2": torch.int64, "ints + 0.5": torch.float32,
                      "floats + floats.double()": torch.float64,
                      "torch.tensor(16777216.0) + 1": torch.float32}
    # 2²⁴ is the first whole number whose successor float32 cannot hold
    assert mixed["torch.tensor(16777216.0) + 1"].item() == 2**24
    assert torch.tensor(2.0**24 - 1).item() == 2**24 - 1
    digits = -math.log10(torch.finfo(torch.float32).eps)  # "about 7 significant digits"
    assert 6.5 < digits < 7.5
    assert "same dtype" in tensors.float64_into_a_layer()


def test_tensors_lesson_runs_and_records_its_numbers(tmp_path):
    code, text, metrics = start("tensors", tmp_path=tmp_path)
    assert code == 0, text[-3000:]
    final = metrics["final"]
    assert final["broadcast_shape"] == "4×4" and final["wrong_loss"] == 2.5
    assert final["right_loss"] == 0 and final["mse_loss_broadcast"] == 2.5
    assert final["grad_w"] == final["hand_grad_w"] and final["grad_w_twice"] == 2 * final["grad_w"]
    assert final["no_grad_requires_grad"] is False
    assert (tmp_path / "r" / "broadcast.png").read_bytes()[:4] == b"\x89PNG"
    assert "Using a target size" in " ".join(text.split())
    predict = next(q for q in quiz("tensors") if q.get("predict"))
    assert predict["choices"][predict["answer"] - 1] == "(4, 4)"
    assert_quiz_explains_itself("tensors", final)


# --- optimizers ------------------------------------------------------------------------------

X, Y = optimizers.problem()
W0 = torch.randn(2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))


def next_grid_value(lr):
    return next(g for g in optimizers.GRID if g > lr)


def test_the_2d_problem_is_the_sine_fit_without_its_even_terms():
    x = torch.linspace(-math.pi, math.pi, optimizers.POINTS, dtype=torch.float64)
    best4 = sine.least_squares(x, torch.sin(x))  # (a, b, c, d)
    best2 = torch.linalg.lstsq(X, Y.unsqueeze(1)).solution.squeeze(1)  # (a, c)
    assert best4[1].abs() < 1e-12 and best4[3].abs() < 1e-12  # b = d = 0: sin is odd
    torch.testing.assert_close(best2, best4[[0, 2]])
    lam2, lam4 = optimizers.curvature(X)[0], sine.curvature(x)
    assert lam2[-1].item() == pytest.approx(lam4[-1].item(), rel=1e-9)  # the same λ_max
    assert lam4[0] < lam2[0]  # and a flatter λ_min in four dimensions
    assert 250 < (lam2[-1] / lam2[0]).item() < (lam4[-1] / lam4[0]).item()


def test_loss_surface_agrees_with_the_loss():
    a, c = torch.randn(2, 3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    surface = optimizers.loss_surface(a, c, X, Y)
    for i in range(3):
        for j in range(3):
            w = torch.stack([a[i, j], c[i, j]])
            assert surface[i, j].item() == pytest.approx(optimizers.loss_fn(w, X, Y).item(),
                                                         rel=1e-9)


@pytest.mark.parametrize(("name", "limit"), [("SGD", 2.0), ("SGD + momentum",
                                                           2 * (1 + optimizers.MOMENTUM))])
def test_measured_ceiling_brackets_the_hessian_limit(name, limit):
    """SGD: lr < 2/λ_max; heavy-ball momentum: lr < 2(1 + μ)/λ_max. The measured ceiling is
    the last grid value below the limit."""
    lam_max = optimizers.curvature(X)[0][-1].item()
    measured = optimizers.ceiling(optimizers.OPTIMIZERS[name], W0, X, Y, horizon=100)
    assert measured <= limit / lam_max < next_grid_value(measured)


def test_first_steps_adam_moves_lr_and_rmsprop_ten_lr():
    adam = optimizers.first_step(optimizers.OPTIMIZERS["Adam"], 1e-3, W0, X, Y)
    rms = optimizers.first_step(optimizers.OPTIMIZERS["RMSprop"], 1e-3, W0, X, Y)
    assert adam == pytest.approx(1.0, rel=1e-4)
    assert rms == pytest.approx(1 / math.sqrt(1 - 0.99), rel=1e-4)  # alpha = 0.99: 10× lr


def test_descend_stops_at_the_target_or_on_divergence():
    best = optimizers.loss_fn(torch.linalg.lstsq(X, Y.unsqueeze(1)).solution.squeeze(1), X, Y)
    target = 1.01 * best.item()
    run = optimizers.descend(optimizers.OPTIMIZERS["SGD + momentum"], 5e-6, W0, X, Y, 2000,
                             target)
    assert run.reached == len(run.losses) - 1 and run.losses[-1] <= target < run.losses[-2]
    lam_max = optimizers.curvature(X)[0][-1].item()
    blown = optimizers.descend(optimizers.OPTIMIZERS["SGD"], 2.2 / lam_max, W0, X, Y, 200)
    assert blown.diverged and blown.losses[-1] > 100 * blown.losses[0]


def test_optimizers_lesson_runs_and_computes_its_quiz_answer(tmp_path):
    code, text, metrics = start("optimizers", tmp_path=tmp_path)
    assert code == 0, text[-3000:]
    final = metrics["final"]
    assert final["ceiling_sgd"] <= final["sgd_limit"] < next_grid_value(final["ceiling_sgd"])
    steps = [final[f"steps_{k}"] for k in ("sgd", "sgd_momentum", "rmsprop", "adam")]
    assert final["fastest_choice"] == steps.index(min(steps)) + 1
    predict = next(q for q in quiz("optimizers") if q.get("predict"))
    assert right_answer(predict, final) == final["fastest_choice"]
    assert right_answer(predict, {}) == predict["answer"] == final["fastest_choice"]  # seed 0
    assert final["steps_sgd"] > final["steps_sgd_momentum"]
    assert_quiz_explains_itself("optimizers", final)
    for row in metrics["history"]:  # the winning runs, step by step
        assert math.isfinite(row["loss"])
    for png in ("paths.png", "loss.png"):
        assert (tmp_path / "r" / png).read_bytes()[:4] == b"\x89PNG"


def test_a_run_too_short_to_reach_the_target_still_completes(tmp_path):
    code, text, metrics = start("optimizers", "--max-steps", "5", "--halvings", "0",
                                "--horizon", "20", tmp_path=tmp_path)
    assert code == 0, text[-3000:]
    assert "more than 5" in text and metrics["final"]["steps_sgd"] == 6
    assert_quiz_explains_itself("optimizers", metrics["final"])


# --- saving ----------------------------------------------------------------------------------

def trained_net(steps=3, seed=0):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    X, y = torch.rand(64, 1, 28, 28, generator=g), torch.randint(10, (64,), generator=g)
    model = saving.Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    batches = torch.randint(64, (steps, 16), generator=g)
    saving.train(model, optimizer, X, y, batches)
    return model, optimizer, X, y


def test_net_maps_a_batch_of_two_to_ten_scores():
    assert saving.Net().eval()(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_saved_and_loaded_model_gives_identical_outputs(tmp_path):
    model, _, X, _ = trained_net()
    path = saving.save_weights(model, tmp_path / "model.pt")
    loaded = saving.load_weights(path, 10)
    assert not loaded.training
    state = loaded.state_dict()
    assert {"layers.1.running_mean", "layers.1.running_var",
            "layers.1.num_batches_tracked"} <= set(state)
    assert all(t.device.type == "cpu" for t in state.values())
    with torch.no_grad():
        assert torch.equal(model.eval()(X), loaded(X))
    assert not list(tmp_path.glob("*.part"))


def test_weights_only_refuses_the_pickle_that_runs_code():
    saving.CALLS.clear()
    pickle.loads(pickle.dumps(saving.Sneaky()))
    assert len(saving.CALLS) == 1  # a plain pickle ran record_call
    buffer = io.BytesIO()
    torch.save({"w": torch.ones(2), "extra": saving.Sneaky()}, buffer)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(buffer, weights_only=True)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError):  # the default in torch >= 2.6 refuses too
        torch.load(buffer)
    assert len(saving.CALLS) == 1


def test_resuming_with_the_optimizer_state_is_exact_and_without_it_is_not(tmp_path):
    model, optimizer, X, y = trained_net()
    path = saving.save_checkpoint(model, optimizer, 3, tmp_path / "checkpoint.pt")
    more = torch.randint(64, (4, 16), generator=torch.Generator().manual_seed(5))
    saving.train(model, optimizer, X, y, more)
    resumed = saving.Net()
    resumed_opt = torch.optim.Adam(resumed.parameters(), lr=1e-2)
    assert saving.resume(resumed, resumed_opt, path, "cpu") == 3
    saving.train(resumed, resumed_opt, X, y, more)
    fresh = saving.Net()
    fresh.load_state_dict(torch.load(path, weights_only=True)["model"])
    saving.train(fresh, torch.optim.Adam(fresh.parameters(), lr=1e-2), X, y, more)
    for key, value in model.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key]), key
    assert not torch.equal(model.layers[0].weight, fresh.layers[0].weight)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU to save from")
def test_map_location_loads_a_gpu_checkpoint_onto_the_cpu(tmp_path):
    model = saving.Net().cuda()
    path = saving.save_weights(model, tmp_path / "model.pt")
    raw = torch.load(path, weights_only=True)
    assert raw["layers.0.weight"].is_cuda  # saved with its device
    loaded = saving.load_weights(path, 10)
    assert all(t.device.type == "cpu" for t in loaded.state_dict().values())


@pytest.mark.slow
def test_saving_dry_run_checks_itself_and_resumes(tmp_path):
    code, text, metrics = start("saving", "--dry-run", "--offline", tmp_path=tmp_path)
    assert code == 0, text[-3000:]
    final = metrics["final"]
    assert final["identical"] and final["resumed_identical"] and final["weights_only_refused"]
    assert final["plain_pickle_ran"] and not final["weights_only_ran"]
    assert final["max_diff_fresh_optimizer"] > 0 and final["state_buffers"] == 3
    assert final["loaded_accuracy"] == final["test_accuracy"]
    for name in ("model.pt", "checkpoint.pt"):
        assert (tmp_path / "r" / name).stat().st_size > 0
    predict = next(q for q in quiz("saving") if q.get("predict"))
    assert right_answer(predict, final) == 1
    assert_quiz_explains_itself("saving", final)
    code, text, metrics = start("saving", "--dry-run", "--offline", "--resume",
                                str(tmp_path / "r"), tmp_path=tmp_path, folder="again")
    assert code == 0, text[-3000:]
    assert metrics["final"]["steps"] == 2 * saving.DRY_RUN_STEPS


@pytest.mark.slow
def test_saving_refuses_a_resume_file_that_is_not_its_checkpoint(tmp_path):
    bad = tmp_path / "bad.pt"
    torch.save({"model": {"nothing": torch.zeros(1)}}, bad)
    with pytest.raises(UserError, match="is not a checkpoint of this lesson's model") as err:
        start("saving", "--dry-run", "--offline", "--resume", str(bad), tmp_path=tmp_path)
    assert err.value.exit_code == 2
