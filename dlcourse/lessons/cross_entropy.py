"""Cross-entropy against L1: the same MLP on MNIST, trained with each loss."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from dlcourse import plots
from dlcourse.engine.recipes import TrainingOptions, with_overrides
from dlcourse.engine.sizing import Sizing
from dlcourse.i18n import msg
from dlcourse.lessons.common import plan, train
from dlcourse.lessons.mnist import MLP
from dlcourse.topics import cross_entropy as ce_page

RECIPE = dict(  # the MLP's default recipe from the mnist lesson, without augmentation
    optimizer="adamw", lr=3e-3, weight_decay=1e-4, batch_size=128, epochs=6,
    schedule="onecycle",
)
# How two runs fit the lesson's time: on a 2-core CPU both train on every image for all 6
# epochs within it, so min_epochs (kept when time is short) is the mnist MLP's rule.
SIZING = Sizing(min_epochs=4, max_epochs=6)


@dataclass(frozen=True)
class Config(TrainingOptions):
    """The shared training options, applied to both runs (one per loss)."""


def cross_entropy_loss(logits, y):
    """−log of the probability given to the right class, averaged over the batch."""
    return F.cross_entropy(logits, y)


def l1_loss(logits, y):
    """Σ |softmax − one-hot| per image, averaged: the 'L1 on probabilities' of the post."""
    probabilities = logits.softmax(dim=1)  # (B, 10)
    one_hot = F.one_hot(y, num_classes=logits.shape[1]).to(probabilities.dtype)
    return (probabilities - one_hot).abs().sum(dim=1).mean()


def run(cfg: Config, ctx) -> None:
    data = ctx.load_data()
    page = ce_page.values()
    ctx.show.section("idea", **page)
    ctx.show.source(cross_entropy_loss, l1_loss)
    planned = plan(ctx, MLP(), data, with_overrides(RECIPE, cfg), SIZING, cfg, runs=2)
    ctx.show.predict()
    results = {}
    for label, loss_fn in (("ce", cross_entropy_loss), ("l1", l1_loss)):
        ctx.show.section(f"run-{label}")
        torch.manual_seed(ctx.seed)  # both start from the same weights
        results[label] = train(ctx, MLP(), data, planned, loss_fn=loss_fn,
                               label=label, figures=False,
                               rebuild={"lesson": "cross-entropy", "loss": label})
    save_comparison(ctx, results)
    ctx.record.final["test_accuracy"] = results["ce"].test_accuracy
    ctx.record.final["l1_minus_ce"] = results["l1"].test_accuracy - results["ce"].test_accuracy
    ctx.show.section("results", ce=results["ce"].test_accuracy,
                     l1=results["l1"].test_accuracy, **page)
    ctx.show.section("recap")


def save_comparison(ctx, results) -> None:
    """Test accuracy per epoch for both losses on one plot."""
    def name(k):  # "CE loss", "L1 loss"
        return msg("cross_entropy.loss", name=k.upper())

    epochs = {name(k): [h["epoch"] for h in r.history] for k, r in results.items()}
    accuracy = {name(k): [100 * h["test_accuracy"] for h in r.history]
                for k, r in results.items()}
    ctx.record.figure(plots.curves(epochs, accuracy, title=msg("cross_entropy.title"),
                                   xlabel=msg("cross_entropy.epoch"),
                                   ylabel=msg("cross_entropy.accuracy")), "ce-vs-l1.png")
