"""Cross-entropy against L1: the same MLP on MNIST, trained with each loss."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from dlcourse import plots
from dlcourse.course.runner import Lesson
from dlcourse.engine import train
from dlcourse.lessons.mnist import MLP
from dlcourse.topics import cross_entropy as ce_page

RECIPE = dict(  # the MLP's default recipe from the mnist lesson, without augmentation
    optimizer="adamw", lr=3e-3, weight_decay=1e-4, batch_size=128, epochs=6,
    schedule="onecycle",
)


@dataclass(frozen=True)
class Config:
    epochs: int = 0  # passes over the training images, for each loss (0: 6)
    batch_size: int = 0  # images per step (0: 128)
    lr: float = 0.0  # peak learning rate (0: 3e-3)
    subset: str = "full"  # training images: a number, or full

    def __post_init__(self):
        train.check_options(self)


def cross_entropy_loss(logits, y):
    """−log of the probability given to the right class, averaged over the batch."""
    return F.cross_entropy(logits, y)


def l1_loss(logits, y):
    """Σ |softmax − one-hot| per image, averaged: the 'L1 on probabilities' of the post."""
    probabilities = logits.softmax(dim=1)  # (B, 10)
    one_hot = F.one_hot(y, num_classes=logits.shape[1]).to(probabilities.dtype)
    return (probabilities - one_hot).abs().sum(dim=1).mean()


def run(cfg: Config, lesson: Lesson) -> None:
    data = lesson.load_data()
    page = ce_page.values()
    lesson.section("idea", **page)
    lesson.show_source(cross_entropy_loss, l1_loss)
    recipe = train.with_overrides(RECIPE, cfg)
    subset = train.resolve_subset(cfg.subset, lesson.device, None)
    lesson.predict()
    results = {}
    for label, loss_fn in (("ce", cross_entropy_loss), ("l1", l1_loss)):
        lesson.section(f"run-{label}")
        torch.manual_seed(lesson.seed)  # both start from the same weights
        results[label] = train.fit_recipe(MLP(), data, lesson, recipe, subset=subset,
                                          loss_fn=loss_fn, label=label, figures=False,
                                          rebuild={"lesson": "cross-entropy", "loss": label})
    save_comparison(lesson, results)
    lesson.final["test_accuracy"] = results["ce"].test_accuracy
    lesson.section("results", ce=results["ce"].test_accuracy, l1=results["l1"].test_accuracy,
                   **page)
    lesson.section("recap")


def save_comparison(lesson: Lesson, results) -> None:
    """Test accuracy per epoch for both losses on one plot."""
    epochs = {f"{k.upper()} loss": [h["epoch"] for h in r.history] for k, r in results.items()}
    accuracy = {f"{k.upper()} loss": [100 * h["test_accuracy"] for h in r.history]
                for k, r in results.items()}
    lesson.save_figure(plots.curves(epochs, accuracy, title="test accuracy: cross-entropy vs L1",
                                    xlabel="epoch", ylabel="test accuracy (%)"), "ce-vs-l1.png")
