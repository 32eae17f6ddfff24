"""The transfer lesson: the bundled animal LeNet, the few-label split, the quiz's computed
answer, and a dry run of the default experiment (no ImageNet weights, no download)."""

import io
import json
import tomllib

import pytest
import torch
from rich.console import Console

from dlcourse.course import catalog, runner
from dlcourse.course.render import Screen, right_answer
from dlcourse.data import pretrained
from dlcourse.data.assets import assets_dir
from dlcourse.data.sets import ImageSet
from dlcourse.lessons import transfer
from dlcourse.lessons.lenet import LeNet

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck"]


def test_the_bundled_checkpoint_loads_with_weights_only_into_a_six_class_lenet():
    path = assets_dir() / transfer.CHECKPOINT
    assert path.stat().st_size < 1.2e6
    state = torch.load(path, weights_only=True)
    expected = LeNet(len(transfer.ANIMALS)).state_dict()
    assert {k: v.shape for k, v in state.items()} == {k: v.shape for k, v in expected.items()}
    model = transfer.animal_lenet().eval()
    torch.testing.assert_close(model.features[0].weight, state["features.0.weight"].float())
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, len(transfer.ANIMALS))
    model = transfer.for_vehicles(model)
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, len(transfer.VEHICLES))
    torch.testing.assert_close(model.features[0].weight, state["features.0.weight"].float())


def test_a_random_lenet_differs_from_the_pretrained_one():
    torch.manual_seed(0)
    assert not torch.equal(transfer.animal_lenet().features[0].weight,
                           LeNet(len(transfer.ANIMALS)).features[0].weight)


def fake_cifar(per_class: int = 30, test_per_class: int = 5) -> ImageSet:
    g = torch.Generator().manual_seed(0)

    def split(n):
        y = torch.arange(10).repeat_interleave(n)[torch.randperm(10 * n, generator=g)]
        x = torch.randint(0, 256, (10 * n, 3, 32, 32), dtype=torch.uint8, generator=g)
        x[:, 0, 0, 0] = y.to(torch.uint8)  # each image remembers its class
        return x, y

    (tx, ty), (vx, vy) = split(per_class), split(test_per_class)
    return ImageSet("cifar10", tx, ty, vx, vy, CLASSES, "sample", "fake")


@pytest.mark.parametrize("k", [1, 7, 25])
def test_the_few_label_split_holds_k_images_of_each_vehicle_class_only(k):
    data = fake_cifar()
    few = transfer.select(data, transfer.VEHICLES, k, seed=3)
    assert few.classes == list(transfer.VEHICLES)
    assert torch.bincount(few.train_y, minlength=4).tolist() == [k] * 4
    assert torch.bincount(few.test_y, minlength=4).tolist() == [5] * 4  # every test image
    for x, y in ((few.train_x, few.train_y), (few.test_x, few.test_y)):
        original = [CLASSES[c] for c in x[:, 0, 0, 0].tolist()]
        assert original == [transfer.VEHICLES[c] for c in y.tolist()]  # relabelled right
    assert len(set(map(bytes, few.train_x.numpy()))) == 4 * k  # k different images each
    again = transfer.select(data, transfer.VEHICLES, k, seed=3)
    assert torch.equal(again.train_x, few.train_x)  # the same seed, the same labels


def test_repeated_shows_every_labelled_image_equally_often():
    few = transfer.select(fake_cifar(), transfer.VEHICLES, 5, seed=0)
    shown = transfer.repeated(few, 40)
    assert len(shown.train_y) == 40
    assert torch.bincount(shown.train_y, minlength=4).tolist() == [10] * 4
    assert torch.equal(shown.test_x, few.test_x)


def vgg_transfer(head: str, fine_tune: bool):
    from torchvision.models import vgg16

    model = transfer.Transfer(vgg16(weights=None), 64, transfer.new_head(head, 10))
    transfer.freeze_features(model, fine_tune)
    return model


def test_vgg16_has_13_convolutional_layers():
    from torchvision.models import vgg16

    convs = [m for m in vgg16(weights=None).features if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 13


@pytest.mark.parametrize(("head", "fine_tune", "share", "choice"), [
    ("small", False, 133_898 / (133_898 + 14_714_688), 1),  # the default: a small head
    ("post", False, 119_586_826 / (119_586_826 + 14_714_688), 3),  # the post's head: 89 %
    ("post", True, 1.0, 4),  # fine-tuning, as the post did
    ("small", True, 1.0, 4),
])
def test_trainable_share_and_the_quiz_answer(head, fine_tune, share, choice):
    model = vgg_transfer(head, fine_tune)
    assert transfer.trainable_share(model) == pytest.approx(share)
    assert transfer.share_choice(transfer.trainable_share(model)) == choice
    question = quiz()[0]
    assert question["choices"][choice - 1] == transfer.SHARES[choice - 1]
    assert right_answer(question, {"trainable_choice": choice}) == choice


def test_the_default_experiment_trains_every_layer_as_the_quiz_expects():
    model = transfer.for_vehicles(LeNet(len(transfer.ANIMALS)))
    assert transfer.trainable_share(model) == 1.0
    assert transfer.share_choice(1.0) == quiz()[0]["answer"] == 4


def quiz():
    entry = catalog.get("lesson", "transfer")
    return tomllib.loads((catalog.lessons_dir() / entry.quiz).read_text())["question"]


def test_auto_uses_imagenet_only_when_its_weights_are_cached(tmp_path, monkeypatch):
    from torchvision.models import VGG16_Weights

    monkeypatch.setattr(pretrained, "checkpoints", lambda: tmp_path)
    weights = VGG16_Weights.IMAGENET1K_V1
    assert not pretrained.is_cached(weights)
    (tmp_path / weights.url.rsplit("/", 1)[-1]).write_bytes(b"x")
    assert pretrained.is_cached(weights)


@pytest.mark.slow
def test_dry_run_of_the_default_trains_both_nets_and_fills_the_text(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))  # no ImageNet weights there
    out = io.StringIO()
    args = ["--dry-run", "--epochs", "1", "--offline", "--out", str(tmp_path / "r")]
    code = runner.start("transfer", args, Screen(console=Console(file=out, width=100)))
    text = " ".join(out.getvalue().split())
    assert code == 0, out.getvalue()[-3000:]
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["status"] == "complete" and metrics["data"]["source"] == "sample"
    runs = {row["run"] for row in metrics["history"]}
    assert runs == {f"{init}_{k}" for init in ("pretrained", "random") for k in transfer.LABELS}
    final = metrics["final"]
    for k in transfer.LABELS:
        assert 0 <= final[f"test_accuracy_pretrained_{k}"] <= 1
    assert final["trainable_choice"] == 4 and final["trainable_share"] == 1.0
    assert "{{" not in text and "A LeNet that knows animals" in text
    assert "Speed here:" in text and "each of 6 runs" in text
    assert (tmp_path / "r" / "labels.png").is_file()


@pytest.mark.slow
def test_with_imagenet_weights_cached_it_trains_pretrained_and_random_vgg16(tmp_path,
                                                                          monkeypatch):
    """The ImageNet path, with random weights standing in for the 528 MB file."""
    from torchvision.models import vgg16

    from dlcourse.data import loaders

    monkeypatch.setattr(pretrained, "is_cached", lambda weights: True)
    monkeypatch.setattr(loaders, "load_pretrained",
                        lambda weights, **kw: vgg16(weights=None).state_dict())
    out = io.StringIO()
    args = ["--dry-run", "--epochs", "1", "--offline", "--out", str(tmp_path / "r")]
    code = runner.start("transfer", args, Screen(console=Console(file=out, width=100)))
    assert code == 0, out.getvalue()[-3000:]
    text = " ".join(out.getvalue().split())
    final = json.loads((tmp_path / "r" / "metrics.json").read_text())["final"]
    assert {"test_accuracy", "test_accuracy_random", "gap"} <= set(final)
    assert final["trainable_choice"] == 1  # the default: frozen features, a small head
    assert "ImageNet's VGG16" in text and "{{" not in text


def test_the_seed_recipe_is_post_000s_as_the_text_says():
    seed = transfer.RECIPES["seed"]
    assert (seed["optimizer"], seed["lr"], seed["batch_size"], seed["epochs"]) == ("adam", 1e-4,
                                                                                   32, 30)
    assert seed["schedule"] == "constant" and seed.get("weight_decay", 0) == 0
    assert seed["train"] == "all" and seed["size"] == 224 and seed["normalize"] == "data"
    assert seed["augment"] == ("crop", "flip") and seed["padding"] * 224 // 32 == 7
    head = transfer.new_head("post", 10)
    linear = [(m.in_features, m.out_features) for m in head if isinstance(m, torch.nn.Linear)]
    assert linear == [(25088, 4096), (4096, 4096), (4096, 10)]
    assert [m.p for m in head if isinstance(m, torch.nn.Dropout)] == [0.5, 0.5]
