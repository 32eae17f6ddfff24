"""Statements in the lesson texts that carry a number, checked against the number computed.

Each test recomputes what a sentence claims (with torch, the course's own code, the data or
the source post) and reads the claim back out of the text, so the two cannot drift apart.
"""

import gzip
import json
import math
import re
import tarfile
from pathlib import Path

import pytest

from dlcourse.course import catalog
from dlcourse.course.render import fill, split_sections
from tests.conftest import run_dlcourse

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"
SHARED_HOUSING = REPO.parent / "shared" / "data" / "california_housing" / "cal_housing.tgz"
NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}


def section(kind: str, name: str, key: str) -> str:
    return split_sections(catalog.read_text(catalog.get(kind, name)))[key]


def seed_post(prefix: str) -> str:
    posts = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not posts:
        pytest.skip(f"the source posts are not here ({SEEDS})")
    return posts[0].read_text(encoding="utf-8")


def as_int(text: str) -> int:
    return int(text.replace(",", ""))


# --- mnist: view(batch_size, -1) on a short last batch ---------------------------------------

def test_view_with_a_fixed_batch_size_cuts_images_and_only_the_linear_layer_fails():
    import torch

    from dlcourse.lessons.mnist import CNN

    last = 60_000 % 256  # post 002: batch 256 over MNIST's 60,000 training images
    assert last == 96
    model = CNN()
    with torch.no_grad():
        maps = model.features(torch.randn(last, 1, 28, 28))  # (96, 64, 3, 3)
        per_image = maps.flatten(1)  # (96, 576)
        wrong = maps.view(256, -1)  # succeeds: 96 × 576 = 256 × 216
        assert per_image.shape == (96, 576) and wrong.shape == (256, 216)
        # row 2 holds the last 144 numbers of image 0 and the first 72 of image 1
        assert torch.equal(wrong[2], torch.cat([per_image[0, 432:], per_image[1, :72]]))
        with pytest.raises(RuntimeError, match="216"):
            model.classifier(wrong)  # Linear(576, 100) meets 216 columns
        assert model.classifier(maps.view(len(maps), -1)).shape == (96, 10)
        assert torch.equal(maps.view(len(maps), -1), per_image)


def test_mnist_texts_quote_the_reshape_arithmetic_right():
    quiz = next(q for q in catalog.read_quiz(catalog.get("lesson", "mnist"))
                if "view(256, -1)" in q["ask"])
    assert "view succeeds" in quiz["choices"][quiz["answer"] - 1]
    cnn = section("lesson", "mnist", "cnn")
    for text in (quiz["why"], cnn):
        a, b, c, d = map(int, re.search(r"(\d+) × (\d+) = (?:[\d,]+ = )?(\d+) × (\d+)",
                                        text).groups())
        assert (a, b, c, d) == (96, 576, 256, 216) and a * b == c * d
    assert f"{96 * 576:,}" in quiz["why"]
    n, k, size, rest = map(as_int, re.search(r"([\d,]+) = (\d+) × (\d+) \+ (\d+)", cnn).groups())
    assert n == 60_000 and (k, rest) == divmod(n, size) == (234, 96)


def test_mnist_text_says_post_003_divides_correct_images_by_batches():
    post = seed_post("003")
    assert "running_corrects.float() / len(training_loader)" in post  # a count / batches
    loop = section("lesson", "mnist", "loop")
    assert "count of correct images by the number of batches" in " ".join(loop.split())


# --- vgg: layer count, initialization, the seed recipe's epochs ------------------------------

def stated_layer_counts(text: str) -> list[int]:
    """Every 'nine weight layers' / 'eight-layer network' the text states, as numbers."""
    found = re.findall(r"\b(\w+)(?:\*\*)? weight layers|\b(\w+)-layer network", text)
    return [NUMBER_WORDS.get(w.lower(), -1) if not w.isdigit() else int(w)
            for pair in found for w in pair if w]


def weight_layers(model) -> int:
    from torch import nn

    return sum(isinstance(m, nn.Conv2d | nn.Linear) for m in model.modules())


def test_vgg_text_counts_the_small_vggs_weight_layers():
    from dlcourse.lessons.vgg import SmallVGG

    counts = stated_layer_counts(section("lesson", "vgg", "idea"))
    assert counts and set(counts) == {weight_layers(SmallVGG())} == {9}


def test_no_section_of_the_vgg_text_miscounts_its_layers():
    from dlcourse.lessons.vgg import SmallVGG

    counts = stated_layer_counts(catalog.read_text(catalog.get("lesson", "vgg")))
    assert set(counts) == {weight_layers(SmallVGG())}


def test_vgg_init_is_he_everywhere_while_torchvision_uses_0_01_for_linear_layers():
    import torch
    from torch import nn
    from torchvision.models.vgg import VGG as TorchvisionVGG

    from dlcourse.lessons.vgg import SmallVGG

    def std(layer):
        return layer.weight.std().item()

    def he(layer):  # Kaiming normal, mode fan_out, ReLU gain: sqrt(2 / fan_out)
        fan_out = layer.weight.shape[0] * layer.weight[0, 0].numel()
        return (2 / fan_out) ** 0.5

    torch.manual_seed(0)
    ours = SmallVGG()
    for layer in ours.modules():
        if isinstance(layer, nn.Conv2d | nn.Linear):
            assert std(layer) == pytest.approx(he(layer), rel=0.1)
            assert not layer.bias.any()
    theirs = TorchvisionVGG(nn.Sequential(nn.Conv2d(3, 512, 3)), num_classes=10)
    conv = theirs.features[0]
    assert std(conv) == pytest.approx(he(conv), rel=0.1)
    for layer in (m for m in theirs.classifier if isinstance(m, nn.Linear)):
        assert std(layer) == pytest.approx(0.01, rel=0.1) != he(layer)
    idea = " ".join(section("lesson", "vgg", "idea").split())
    assert "2 / fan-out" in idea and "standard deviation 0.01" in idea


def test_vgg_text_gives_the_seed_recipes_epochs_against_the_posts():
    from dlcourse.lessons.vgg import RECIPES

    results = " ".join(section("lesson", "vgg", "results").split())
    ours, posts = map(int, re.search(r"for (\d+) epochs, where the post ran (\d+)",
                                     results).groups())
    assert ours == RECIPES["seed"]["epochs"]
    post = seed_post("000")
    vgg_part = post[post.index("class CNN(nn.Module)"):]  # the VGG-style CNN and its loop
    assert posts == int(re.search(r"for epoch in range\((\d+)\)", vgg_part).group(1)) == 100


# --- backprop: the backward pass's cost, and the vanishing bound --------------------------

def test_a_backward_pass_costs_about_twice_a_forward_pass():
    import torch
    from torch import nn
    from torch.utils.flop_counter import FlopCounterMode

    def flops(model, x):
        with FlopCounterMode(display=False) as forward:
            out = model(x)
        with FlopCounterMode(display=False) as backward:
            out.sum().backward()
        return forward.get_total_flops(), backward.get_total_flops()

    # one layer whose input needs a gradient (a layer inside a network): exactly twice
    fwd, bwd = flops(nn.Linear(256, 128), torch.randn(64, 256, requires_grad=True))
    assert bwd == 2 * fwd
    # whole networks: every layer but the first also computes its input's gradient
    from dlcourse.lessons.mnist import MLP
    from dlcourse.lessons.vgg import SmallVGG

    fwd, bwd = flops(SmallVGG(), torch.randn(4, 3, 32, 32))
    assert 1.9 < bwd / fwd < 2  # the first convolution is a sliver of the work
    mlp = MLP()
    fwd, bwd = flops(mlp, torch.randn(4, 1, 28, 28))
    first, _ = flops(mlp.layers[:2], torch.randn(4, 1, 28, 28))
    assert bwd == 2 * fwd - first and bwd / fwd < 1.2  # the 784 -> 64 layer dominates
    assert "costs about **twice** a forward pass" in " ".join(
        section("topic", "backprop", "backward").split())


def test_large_weights_can_offset_the_sigmoids_0_25_bound():
    import torch

    text = " ".join(section("topic", "backprop", "vanishing").split())
    assert 0.25 ** 10 == pytest.approx(float(re.search(r"0\.25¹⁰ ≈ (\S+)\.", text).group(1)),
                                       rel=0.05)
    w, layers = 8.0, 10
    x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    a, slopes = x, 1.0
    for _ in range(layers):
        z = w * a - w / 2  # b = −w/2 keeps every z at 0, where σ' = 0.25
        assert z.item() == 0
        a = torch.sigmoid(z)
        slopes *= (a * (1 - a)).item()
    a.backward()
    assert slopes == 0.25 ** layers  # the bound, reached: the slopes alone vanish
    assert x.grad.item() == pytest.approx((w * 0.25) ** layers) == 1024  # with w: explodes
    stated = re.search(r"w = (\d+), .*?\((\d+) · 0\.25\)¹⁰ = (\d+)", text).groups()
    assert tuple(map(int, stated)) == (w, w, round(x.grad.item()))


# --- cross-entropy: the slope's sign, and the L1 the lesson trains ---------------------------

def test_cross_entropy_slope_is_minus_one_over_q_and_shown_negative():
    import torch

    from dlcourse.topics import cross_entropy

    v = cross_entropy.values()
    for q, key in ((0.9, "slope_good"), (0.3, "slope_bad"), (0.01, "slope_awful")):
        q_t = torch.tensor(q, dtype=torch.float64, requires_grad=True)
        (-torch.log(q_t)).backward()
        assert v[key] == pytest.approx(q_t.grad.item()) and v[key] < 0
    shown = " ".join(fill(section("topic", "cross-entropy", "gradient"), v).split())
    assert "−1/q: -1.11 at q = 0.9, -3.33 at q = 0.3, and -100 at q = 0.01" in shown


def test_cross_entropy_lesson_quotes_the_l1_it_trains_with():
    import torch

    from dlcourse.lessons.cross_entropy import l1_loss
    from dlcourse.topics import cross_entropy

    v = cross_entropy.values()
    cat = torch.tensor([1])  # [dog, cat]: the picture is a cat
    for probabilities, key in (([0.7, 0.3], "bad_l1"), ([0.1, 0.9], "good_l1")):
        trained = l1_loss(torch.tensor([probabilities]).log(), cat).item()
        assert trained == pytest.approx(v[key])
    assert v["bad_l1"] == pytest.approx(1.4) and v["good_l1"] == pytest.approx(0.2)
    shown = " ".join(fill(section("lesson", "cross-entropy", "idea"), v).split())
    assert "L1 over both classes is 1.4000 (0.7 for the dog plus 0.7 for the cat)" in shown
    assert "(0.1054 against 0.2000)" in shown


# --- housing: the target's cap ---------------------------------------------------------------

def housing_targets(raw: bytes):
    from dlcourse.data.formats import housing_features, read_housing_rows

    return housing_features(read_housing_rows(raw, "cal_housing.data"))[1]


def check_cap(y) -> None:
    cap = float(y.max())
    assert cap == pytest.approx(5.00001, abs=1e-6) and cap != pytest.approx(5.0, abs=1e-6)
    on_cap, at_least_5 = int((y == y.max()).sum()), int((y >= 5.0).sum())
    assert on_cap / at_least_5 > 0.9  # "nearly all of them on the cap" (965 of 992)
    data = " ".join(section("lesson", "housing", "data").split())
    assert "read 5.00001" in data and "exactly 5.0 " not in data


def test_housing_target_cap_in_the_bundled_sample():
    check_cap(housing_targets(gzip.decompress(
        (REPO / "assets" / "california_housing" / "cal_housing.data.gz").read_bytes())))


def test_housing_target_cap_in_the_shared_data():
    if not SHARED_HOUSING.is_file():
        pytest.skip(f"the shared California housing archive is not here ({SHARED_HOUSING})")
    with tarfile.open(SHARED_HOUSING) as archive:
        raw = archive.extractfile("CaliforniaHousing/cal_housing.data").read()
    check_cap(housing_targets(raw))


def test_the_housing_lesson_counts_the_blocks_on_the_cap(tmp_path):
    """`capped` is the share exactly at the cap (5.00001), not of values >= 5.0: 27 blocks
    in the full table are worth exactly $500,000 and are not capped."""
    import io

    from rich.console import Console

    from dlcourse.course import runner
    from dlcourse.course.render import Screen
    from dlcourse.data.loaders import load_housing

    y = load_housing(offline=True).y
    on_cap = (y == y.max()).float().mean().item()
    assert y.max().item() == pytest.approx(5.00001) and on_cap < (y >= 5.0).float().mean().item()
    out = io.StringIO()
    code = runner.start("housing", ["--offline", "--epochs", "10", "--out", str(tmp_path / "r")],
                        Screen(console=Console(file=out, width=200)))
    assert code == 0
    assert f"{on_cap:.1%} of the blocks sit exactly on the cap" in out.getvalue()


def test_sine_names_d_as_the_flattest_direction_computed_in_the_run(tmp_path):
    """Issue 11: the Hessian's flattest direction is almost entirely d, not c."""
    import numpy as np
    import torch

    from dlcourse.lessons import sine

    x = torch.linspace(-math.pi, math.pi, 1000, dtype=torch.float64)
    X = np.stack([x.numpy() ** 3, x.numpy() ** 2, x.numpy(), np.ones(1000)], axis=1)
    values, vectors = np.linalg.eigh(2 * X.T @ X)  # an independent computation
    expected = vectors[:, 0] * np.sign(vectors[3, 0])
    got = sine.flattest_direction(x).numpy()
    assert np.allclose(got * np.sign(got[3]), expected, atol=1e-9)
    assert abs(expected[3]) ** 2 > 0.95 and abs(expected[2]) < 1e-6  # d, and no c at all
    out = tmp_path / "run"
    result = run_dlcourse("lesson", "sine", "--no-pause", "--out", str(out))
    assert result.returncode == 0, result.stderr
    final = json.loads((out / "metrics.json").read_text())["final"]
    assert final["flat_coefficient"] == "d" and final["flat_share"] > 0.95
    assert "almost entirely d, the constant term" in " ".join(result.stdout.split())


def test_predictions_figure_shows_the_most_confident_mistakes_first():
    """Issue 11: at 99 % the first 32 test images were all green; the figure now shows what
    the model gets wrong, most confident first, then a few confident right answers."""
    import torch

    from dlcourse import plots

    labels = torch.tensor([0, 1, 2, 3, 4, 5, 6, 7])
    predictions = torch.tensor([0, 2, 2, 0, 4, 1, 6, 7])  # wrong at 1, 3, 5
    confidence = torch.tensor([0.9, 0.6, 0.99, 0.8, 0.7, 0.95, 0.5, 0.97])
    chosen, shown = plots.most_confident(labels, predictions, confidence, mistakes=2, right=2)
    assert shown == 2 and chosen.tolist() == [5, 3, 2, 7]  # mistakes by confidence, then right
    chosen, shown = plots.most_confident(labels, predictions, confidence, mistakes=5, right=1)
    assert shown == 3 and chosen[:3].tolist() == [5, 3, 1] and len(chosen) == 6


def test_evaluate_returns_each_predictions_softmax_confidence():
    import torch

    from dlcourse.engine.loop import evaluate

    class Loader:
        labels = torch.tensor([0, 1])
        device = torch.device("cpu")

        def __iter__(self):
            yield torch.tensor([[2.0, 0.0], [0.0, 1.0]]), self.labels

        def autocast(self):
            import contextlib

            return contextlib.nullcontext()

    _, accuracy, predictions, confidence = evaluate(torch.nn.Identity(), Loader(),
                                                    torch.nn.functional.cross_entropy)
    assert accuracy == 1 and predictions.tolist() == [0, 1]
    expected = torch.tensor([[2.0, 0.0], [0.0, 1.0]]).softmax(1).max(1).values
    assert torch.allclose(confidence, expected)
