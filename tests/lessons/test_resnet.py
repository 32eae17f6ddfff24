"""The resnet lesson: a residual network and the same network without its shortcuts."""

import io
import json
import re

import pytest
import torch
from rich.console import Console
from torch import nn

from dlcourse.course import catalog, runner
from dlcourse.course.render import Screen, right_answer, split_sections
from dlcourse.lessons import resnet


def convs(model, kernel):
    """The model's convolutions with a kernel × kernel kernel."""
    return [m for m in model.modules() if isinstance(m, nn.Conv2d) and m.kernel_size[0] == kernel]


def layers(model):
    """Layers with weights: convolutions and linear layers."""
    return [m for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)]


@pytest.mark.parametrize("blocks", [1, 2, 3])
def test_both_networks_map_two_images_to_ten_scores_through_the_same_3x3_convolutions(blocks):
    residual = resnet.ResNet(blocks=blocks).eval()
    plain = resnet.ResNet(blocks=blocks, residual=False).eval()
    x = torch.randn(2, 3, 32, 32)
    assert residual(x).shape == plain(x).shape == (2, 10)
    shapes = [[tuple(m.weight.shape) for m in convs(net, 3)] for net in (residual, plain)]
    assert shapes[0] == shapes[1] and len(shapes[0]) == 6 * blocks + 1  # stem + 2 per block
    assert len(layers(plain)) == 6 * blocks + 2  # ... + the linear layer
    assert not convs(plain, 1)  # no shortcut: not even the 1×1 projections
    assert len(convs(residual, 1)) == 2  # where stages 2 and 3 halve the size


def test_a_block_whose_branch_outputs_zero_passes_its_input_only_with_the_shortcut():
    x = torch.rand(2, 16, 8, 8)  # after a ReLU: non-negative
    outputs = {}
    for residual in (True, False):
        block = resnet.BasicBlock(16, 16, residual=residual).eval()
        nn.init.zeros_(block.bn2.weight)  # F(x) = bn2(...) = 0
        nn.init.zeros_(block.bn2.bias)
        outputs[residual] = block(x)
    torch.testing.assert_close(outputs[True], x)  # relu(0 + x) = x: the identity
    assert torch.count_nonzero(outputs[False]) == 0  # relu(0): the signal is gone


def test_the_plain_network_computes_something_else_from_the_same_weights():
    torch.manual_seed(0)
    residual = resnet.ResNet(blocks=2).eval()
    plain = resnet.ResNet(blocks=2, residual=False).eval()
    missing, unexpected = plain.load_state_dict(residual.state_dict(), strict=False)
    assert not missing  # every weight of the plain network comes from the residual one
    assert unexpected and all(".shortcut." in key for key in unexpected)
    x = torch.randn(2, 3, 32, 32)
    assert not torch.allclose(plain(x), residual(x), atol=1e-3)


def test_default_depth_per_device_and_recipe():
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert resnet.default_blocks("default", cpu) == resnet.CPU_BLOCKS
    assert resnet.default_blocks("default", cuda) == resnet.GPU_BLOCKS > resnet.CPU_BLOCKS
    assert resnet.default_blocks("seed", cuda) == resnet.POST_BLOCKS == 2  # post 001's


def test_the_layer_counts_the_text_quotes():
    """He et al.'s plain networks of 20 and 56 layers are 3 and 9 blocks per stage here."""
    sections = split_sections(catalog.read_text(catalog.get("lesson", "resnet")))
    intro = " ".join(sections["plain"].split())
    for blocks in (3, 9):
        count = len(layers(resnet.ResNet(blocks=blocks, residual=False)))
        assert re.search(rf"\b{count} layers\b|\b{count}\b and", intro), count
    results = " ".join(sections["results"].split())
    blocks, count = map(int, re.search(r"--blocks (\d+) .*? (\d+)-layer", results).groups())
    assert len(layers(resnet.ResNet(blocks=blocks))) - 2 == count  # less the two 1×1 convs


def test_negative_blocks_exit_2(cli):
    out = cli("lesson", "resnet", "--blocks", "-1", code=2).output
    assert "--blocks must be a positive number" in out


def dry_run(tmp_path, *args):
    out = io.StringIO()
    code = runner.start("resnet", ["--dry-run", "--offline", "--out", str(tmp_path / "r"),
                                   *args], Screen(console=Console(file=out, width=100)))
    assert code == 0, out.getvalue()[-3000:]
    return json.loads((tmp_path / "r" / "metrics.json").read_text()), out.getvalue()


@pytest.mark.slow
def test_dry_run_trains_both_networks_and_compares_them(tmp_path):
    metrics, text = dry_run(tmp_path, "--blocks", "1")
    assert {row["run"] for row in metrics["history"]} == {"plain", "residual"}
    final = metrics["final"]
    for key in ("train_loss_plain", "train_loss_residual", "loss_gap", "test_accuracy_plain",
                "test_accuracy_residual", "train_accuracy_plain", "train_accuracy_residual"):
        assert key in final, key
    assert final["loss_gap"] == pytest.approx(
        final["train_loss_plain"] - final["train_loss_residual"])
    assert final["test_accuracy"] == final["test_accuracy_residual"]
    for png in ("plain-vs-residual.png", "curves.png", "confusion.png", "predictions.png"):
        assert (tmp_path / "r" / png).read_bytes()[:4] == b"\x89PNG"
    for name in ("model-plain.pt", "model-residual.pt"):
        rebuild = torch.load(tmp_path / "r" / name, weights_only=True)["rebuild"]
        assert rebuild["blocks"] == 1 and rebuild["residual"] == (name == "model-residual.pt")
    # the results section was filled with this run's numbers
    shown = " ".join(text.split())
    assert "{{" not in shown
    assert f"{final['train_loss_plain']:.3f}" in shown
    assert f"{final['train_loss_residual']:.3f}" in shown
    assert resnet.OUTCOMES[final["lower_loss"]] in shown
    # the quiz's computed answer names one of its choices
    question = next(q for q in catalog.read_quiz(catalog.get("lesson", "resnet"))
                    if q.get("answer_from"))
    assert question["answer_from"] == "lower_loss"
    assert 1 <= right_answer(question, final) <= len(question["choices"])
    assert right_answer(question, final) == final["lower_loss"]


@pytest.mark.slow
def test_seed_recipe_still_builds_the_posts_resnet(tmp_path):
    metrics, _ = dry_run(tmp_path, "--recipe", "seed", "--epochs", "1")
    assert metrics["status"] == "complete" and metrics["plan"]["epochs"] == 1
    rebuild = torch.load(tmp_path / "r" / "model-residual.pt", weights_only=True)["rebuild"]
    assert rebuild["blocks"] == 2 and rebuild["recipe"]["schedule"] == "step"


@pytest.mark.parametrize("gap, lower", [(0.3, 1), (0.01, 2), (-0.01, 2), (-0.3, 3)])
def test_which_network_ended_lower(gap, lower):
    class Run:
        def __init__(self, loss):
            self.history = [{"train_loss": loss, "train_accuracy": 0.5}]

    results = {"plain": Run(1.0 + gap), "residual": Run(1.0)}
    assert resnet.compare(results)["lower_loss"] == lower
