"""The augmentation lesson: its two LeNets are one function, its torchvision pipeline yields
what the engine's does, and a dry run fills every number its texts state."""

import io
import json
from types import SimpleNamespace

import pytest
import torch
from rich.console import Console

from dlcourse.course import catalog, runner
from dlcourse.course.render import Screen, placeholders, right_answer
from dlcourse.data.sets import sample_cifar10
from dlcourse.engine.fit import channel_stats
from dlcourse.engine.loader import DeviceLoader
from dlcourse.engine.throughput import images_per_second
from dlcourse.lessons import augmentation
from dlcourse.lessons.lenet import LeNet

QUIET = SimpleNamespace(show=SimpleNamespace(table=lambda *args, **kwargs: None))


def test_the_sequential_lenet_maps_a_batch_of_two_to_ten_scores():
    assert augmentation.lenet_sequential().eval()(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_sequential_and_module_lenets_compute_the_same_function():
    torch.manual_seed(0)
    x = torch.randn(8, 3, 32, 32)
    same = augmentation.compare_models(QUIET, x)
    conv = [3 * 16 * 9 + 16, 16 * 32 * 9 + 32, 32 * 64 * 9 + 64]
    assert same["params_module"] == same["params_sequential"] == sum(conv) + (
        1024 * 500 + 500) + (500 * 10 + 10)
    assert same["max_difference"] == 0.0
    # the check can fail: two fresh networks differ until the weights are copied
    with torch.no_grad():
        apart = (LeNet().eval()(x) - augmentation.lenet_sequential().eval()(x)).abs().max()
    assert apart > 1e-3


@pytest.fixture(scope="module")
def sample():
    """1,000 of the bundled CIFAR-10 sample's real training images."""
    data = sample_cifar10()
    return data.train_x[:1000], data.train_y[:1000]


def test_the_torchvision_pipeline_yields_normalized_batches_like_the_engine(sample):
    X, y = sample
    mean, std = (t.tolist() for t in channel_stats(X))
    loader = augmentation.standard_loader(X, y, mean, std, seed=0)
    batches = list(loader)
    inputs, labels = batches[0]
    assert inputs.shape == (128, 3, 32, 32) and inputs.dtype == torch.float32
    assert labels.dtype == torch.int64 and sorted(torch.cat([t for _, t in batches]).tolist()) \
        == sorted(y.tolist())  # every image once, shuffled
    engine = DeviceLoader(X, y, 128, device=torch.device("cpu"), mean=mean, std=std,
                          train=True, augment=("crop", "flip"), padding=4)
    ours, theirs = (torch.cat([x for x, _ in batches]) for batches in (engine, loader))
    # the same crops, flips and statistics: per channel the same mean and spread
    for stat in (torch.mean, torch.std):
        torch.testing.assert_close(stat(ours, dim=(0, 2, 3)), stat(theirs, dim=(0, 2, 3)),
                                   atol=0.03, rtol=0)
    # normalized: the image's own pixels (not the zero padding a crop brings in, which
    # becomes -mean/std) have mean 0 and spread 1 in every channel
    padding = torch.tensor(mean) / torch.tensor(std)
    for c in range(3):
        pixels = theirs[:, c][theirs[:, c] != -padding[c]]
        assert abs(pixels.mean()) < 0.05 and abs(pixels.std() - 1) < 0.05


def test_the_torchvision_transform_normalizes_an_unaugmented_image_as_the_engine(sample):
    X, y = sample
    mean, std = (t.tolist() for t in channel_stats(X))
    transform = augmentation.standard_loader(X, y, mean, std).dataset.transform
    # crop at the centre (no shift) and never flip: only ToTensor and Normalize are left
    transform.transforms[0].padding, transform.transforms[1].p = 0, 0.0
    engine = DeviceLoader(X[:4], y[:4], 4, device=torch.device("cpu"), mean=mean, std=std)
    expected, _ = next(iter(engine))
    dataset = augmentation.CifarImages(X[:4], y[:4], transform)
    torch.testing.assert_close(torch.stack([dataset[i][0] for i in range(4)]), expected)


@pytest.mark.slow
def test_a_dry_run_fills_every_number_the_texts_state(tmp_path):
    out = io.StringIO()
    code = runner.start("augmentation", ["--dry-run", "--offline", "--out", str(tmp_path)],
                        Screen(console=Console(file=out, width=100)))
    assert code == 0, out.getvalue()[-3000:]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    final = metrics["final"]
    # every section was filled (else the run fails); the quiz is filled from `final`
    entry = catalog.get("lesson", "augmentation")
    questions = catalog.read_quiz(entry)
    assert placeholders(" ".join(q["why"] for q in questions)) <= set(final)
    for q in questions:
        assert 1 <= right_answer(q, final) <= len(q["choices"])
        assert q.get("answer_from", "answer") in {"answer", *final}
    # eval-mode training accuracy after every epoch of every run, and the gaps from it
    rows = metrics["history"]
    assert {r["run"] for r in rows} == {"raw", "normalized", "augmented"}
    assert all(0 <= r["train_eval_acc"] <= 1 for r in rows)
    last = {r["run"]: r for r in rows if r["epoch"] == final["epochs"]}
    for run in last:
        assert final[f"gap_{run}"] == pytest.approx(
            last[run]["train_eval_acc"] - last[run]["test_accuracy"])
    assert final["params_module"] == final["params_sequential"]
    assert final["max_difference"] == 0.0 and final["pipeline_ratio"] > 0
    text = " ".join(out.getvalue().split())
    assert "torchvision: Dataset + Compose + DataLoader" in text and "nn.Sequential" in text
    for png in ("augmentations.png", "variants.png"):
        assert (tmp_path / png).read_bytes()[:4] == b"\x89PNG"


def test_pipeline_speed_is_counted_over_every_batch_but_the_first():
    consumed = []

    def loader(sizes):
        for n in sizes:
            consumed.append(n)
            yield torch.zeros(n, 3, 2, 2), torch.zeros(n, dtype=torch.long)

    assert images_per_second(loader([5, 7, 9])) > 0 and consumed == [5, 7, 9]
    assert images_per_second(loader([4])) == 0.0  # nothing left to time after start-up
