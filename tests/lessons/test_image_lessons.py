"""Every image lesson: its networks' shapes, a dry run on the bundled sample, bad options."""

import io
import json

import pytest
import torch
import torch.nn.functional as F
from rich.console import Console

from dlcourse.course import runner
from dlcourse.course.render import Screen
from dlcourse.lessons import cross_entropy, lenet, mnist, resnet, transfer, vgg

NETWORKS = {
    "mnist mlp": (mnist.MLP, (1, 28, 28)),
    "mnist cnn": (mnist.CNN, (1, 28, 28)),
    "lenet": (lenet.LeNet, (3, 32, 32)),
    "resnet": (resnet.ResNet, (3, 32, 32)),
    "vgg small": (lambda: vgg.build("small"), (3, 32, 32)),
    **{f"vgg {c}": (lambda c=c: vgg.build(c), (3, 32, 32)) for c in "ABDE"},
}


@pytest.mark.parametrize("name", NETWORKS)
def test_every_network_maps_a_batch_of_two_to_ten_scores(name):
    build, shape = NETWORKS[name]
    model = build().eval()
    assert model(torch.zeros(2, *shape)).shape == (2, 10)


@pytest.mark.parametrize("head", ["small", "post"])
def test_transfer_model_shapes(head):
    from torchvision.models import vgg16

    model = transfer.Transfer(vgg16(weights=None), 64, transfer.new_head(head, 10)).eval()
    with torch.no_grad():
        assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_mnist_cnn_takes_a_last_batch_of_any_size():
    assert mnist.CNN()(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_l1_loss_matches_its_definition():
    logits = torch.randn(5, 10, generator=torch.Generator().manual_seed(0))
    y = torch.tensor([0, 3, 9, 2, 2])
    p = logits.softmax(1)
    expected = (p - F.one_hot(y, 10)).abs().sum(1).mean()
    torch.testing.assert_close(cross_entropy.l1_loss(logits, y), expected)
    torch.testing.assert_close(cross_entropy.cross_entropy_loss(logits, y),
                               -p[torch.arange(5), y].log().mean())


def test_l1_gradient_fades_for_a_confident_mistake_but_cross_entropy_does_not():
    logits = torch.tensor([[8.0, -8.0]], requires_grad=True)  # sure of class 0; truth is 1
    y = torch.tensor([1])
    grads = {}
    for name, fn in (("ce", cross_entropy.cross_entropy_loss), ("l1", cross_entropy.l1_loss)):
        (g,) = torch.autograd.grad(fn(logits, y), logits)
        grads[name] = g.abs().max().item()
    assert grads["ce"] > 0.99 and grads["l1"] < 1e-5


# The dry run of every lesson on the bundled sample, and its replay, is in tests/test_replay.py.


@pytest.mark.parametrize("args, message", [
    (["lesson", "resnet", "--subset", "lots"], "--subset must be a positive number"),
    (["lesson", "lenet", "--epochs", "-2"], "must be positive"),
    (["lesson", "vgg", "--config", "Z"], "invalid choice: 'Z'"),
    (["lesson", "mnist", "--model", "rnn"], "invalid choice: 'rnn'"),
    (["lesson", "mnist", "--epoch", "3"], "Did you mean --epochs?"),
    (["lesson", "mnist", "--offline", "--resume", "/no/such/model.pt"], "no such file"),
    (["lesson", "transfer", "--offline", "--source", "imagenet"], "--source animals"),
    (["lesson", "resnet", "--precision", "fp16"], "invalid choice: 'fp16'"),
    (["lesson", "lenet", "--minutes", "-1"], "--minutes must be a number of minutes"),
    (["lesson", "lenet", "--minutes", "nan"], "--minutes must be a number of minutes"),
    (["lesson", "sine", "--minutes", "0.01"], "--minutes must be a number of minutes"),
])
def test_bad_lesson_options_exit_2(cli, args, message):
    out = cli(*args, code=2).output
    assert message in out and "Traceback" not in out


def test_resume_goes_on_with_the_plan_of_the_run_it_resumes(tmp_path):
    """Whatever the speed or the time now, a resumed run keeps its epochs and images."""
    def start(*args):
        out = io.StringIO()
        code = runner.start("mnist", ["--offline", "--dry-run", *args],
                            Screen(console=Console(file=out, width=200)))
        assert code == 0, out.getvalue()[-2000:]
        return out.getvalue()

    start("--subset", "3000", "--epochs", "3", "--out", str(tmp_path / "a"))
    first = json.loads((tmp_path / "a" / "metrics.json").read_text())["plan"]
    text = start("--resume", str(tmp_path / "a"), "--minutes", "0.1",
                 "--out", str(tmp_path / "b"))
    again = json.loads((tmp_path / "b" / "metrics.json").read_text())["plan"]
    assert "Plan (as the run it resumes)" in text
    assert {k: again[k] for k in ("epochs", "images", "test_images")} == {
        k: first[k] for k in ("epochs", "images", "test_images")}
    assert (first["epochs"], first["images"]) == (3, 3000)
