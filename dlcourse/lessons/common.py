"""What the image lessons share: training with a recipe inside a lesson run, and the
closing sequence of a recipe lesson (predict, train, results, recap)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from dlcourse import plots
from dlcourse.engine.recipes import fit_recipe
from dlcourse.errors import Diverged, Interrupted

DRY_RUN_BATCHES = 3  # --dry-run: three batches an epoch, a seconds-long check that it all runs


def train(ctx, model, data, recipe: dict, *, rebuild: dict, subset: int | None = None,
          loss_fn=F.cross_entropy, label: str = "", figures: bool = True):
    """fit_recipe() with this run's device, seed, --resume and --dry-run, shown live; its
    epochs, figures and checkpoint go to the run's record. `label` tells apart the models
    of a lesson that trains several (history rows, final figures, model-LABEL.pt)."""
    name = f"model-{label}.pt" if label else "model.pt"
    checkpoint = ctx.out / name
    resume = ctx.resume
    if resume is not None and label:  # each model resumes from its own file beside it
        resume = (resume if resume.is_dir() else resume.parent) / name
    # the recipe is part of what a checkpoint was trained with: resuming with another
    # optimizer or learning rate would silently mix the two (only the epochs may change)
    rebuild = {**rebuild, "recipe": {k: v for k, v in recipe.items() if k != "epochs"}}
    try:
        result = fit_recipe(model, data, recipe, device=ctx.device, seed=ctx.seed,
                            subset=subset, loss_fn=loss_fn, checkpoint=checkpoint,
                            rebuild=rebuild, resume=resume,
                            max_batches=DRY_RUN_BATCHES if ctx.dry_run else None,
                            callbacks=ctx.show.training())
    except (Diverged, Interrupted) as stop:
        _record(ctx, stop.result, data, checkpoint, label, figures)
        raise
    _record(ctx, result, data, checkpoint, label, figures)
    suffix = f"_{label}" if label else ""
    ctx.record.final.update({f"test_accuracy{suffix}": result.test_accuracy,
                             f"train_seconds{suffix}": result.train_seconds,
                             f"images_per_second{suffix}": result.images_per_second})
    if result.epochs_trained == 0:
        ctx.show.note(f"[yellow]{resume} had already finished its {result.epochs_done} "
                      "epochs: this is its result. Pass a larger --epochs to train more.[/]")
    return result


def _record(ctx, result, data, checkpoint, label, figures) -> None:
    """Log what finished, and keep its checkpoint and figures."""
    if result is None:
        return
    ctx.record.history.extend({**row, "run": label} if label else row
                              for row in result.history)
    ctx.record.info.setdefault("data", {}).update(train_used=result.train_images,
                                                  test_used=result.test_images)
    if checkpoint.exists():
        ctx.record.file(checkpoint)
    if figures and result.predictions is not None:
        save_figures(ctx.record, data, result)


def save_figures(record, data, result) -> None:
    """Learning curves, the confusion matrix, and a grid of test images with predictions."""
    y_test, predictions = result.test_labels, result.predictions
    k = len(data.classes)
    confusion = torch.bincount(y_test * k + predictions, minlength=k * k).reshape(k, k)
    record.figure(plots.training_curves(result.history), "curves.png")
    record.figure(plots.confusion(confusion, data.classes), "confusion.png")
    record.figure(plots.prediction_grid(data.test_x[:len(y_test)], y_test, predictions,
                                        data.classes), "predictions.png")


def train_and_report(ctx, model, data, recipe: dict, /, *, rebuild: dict,
                     subset: int | None = None, **values):
    """The end of a recipe lesson: predictions asked, the run, its results, the recap.
    `values` fill more placeholders of the results section."""
    ctx.show.predict()
    ctx.show.section("run")
    result = train(ctx, model, data, recipe, rebuild=rebuild, subset=subset)
    ctx.show.section("results", accuracy=result.test_accuracy, seconds=result.train_seconds,
                     speed=result.images_per_second, **values)
    ctx.show.section("recap")
    return result
