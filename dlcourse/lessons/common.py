"""What the image lessons share: sizing a run to the lesson's time, training with a recipe
inside a lesson run, and the closing sequence of a recipe lesson (predict, train, results,
recap)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from dlcourse import plots
from dlcourse.engine import sizing
from dlcourse.engine.recipes import TrainingOptions, explicit_subset, fit_recipe, measure_recipe
from dlcourse.engine.speed import Speed, Variant, correct
from dlcourse.errors import Diverged, Interrupted
from dlcourse.i18n import join, msg

DRY_RUN_BATCHES = 3  # --dry-run: three batches an epoch, a seconds-long check that it all runs


@dataclass(frozen=True)
class Planned:
    """A recipe sized to the lesson's time, and how to compute it on this machine."""

    recipe: dict  # with the planned epochs
    subset: int | None  # training images (None: all)
    test_images: int | None  # test images evaluated after every epoch (None: all)
    speed: Speed  # what the probe measured (or the cache remembered)

    @property
    def variant(self) -> Variant:  # fp32 or bf16, contiguous or channels-last
        return self.speed.variant


def plan(ctx, model, data, recipe: dict, rule: sizing.Sizing, options: TrainingOptions, *,
         fixed_epochs: bool = False, runs: int = 1, loss_fn=F.cross_entropy,
         reserve: float = 0.0, evaluations: int = 1) -> Planned:
    """Measure how fast `model` trains here, then size `runs` trainings to the lesson's
    time: epochs, training and test images, unless --epochs or --subset fix them
    (`fixed_epochs`: the recipe's epochs are part of it, as in a post's own recipe).
    `reserve`: seconds the lesson spends on other work; `evaluations`: image sets as large
    as the test sample evaluated after each epoch (2 when training accuracy is measured too)."""
    speed = measure_recipe(model, data, recipe, device=ctx.device, loss_fn=loss_fn,
                           precision=options.precision, cache=ctx.speed_cache)
    n_train, n_test = len(data.train_y), len(data.test_y)
    earlier = _earlier_plan(ctx)  # --resume goes on with the plan it was started with
    asked = options.epochs or (recipe["epochs"] if fixed_epochs else None)
    asked_images = explicit_subset(options.subset, n_train)
    chosen = sizing.plan(rule, budget=max(1.0, ctx.budget - reserve),
                         train_speed=speed.images_per_second,
                         eval_speed=speed.eval_images_per_second / evaluations, n_train=n_train,
                         n_test=n_test, epochs=asked or earlier.get("epochs"),
                         images=asked_images or earlier.get("images"),
                         test_images=earlier.get("test_images"), runs=runs,
                         minutes=ctx.minutes_for)
    ctx.show.note(msg("common.speed_here", summary=speed.summary()))
    if speed.note:
        ctx.show.note(join([speed.note, "."], ""), style="yellow")
    whole = sizing.duration(ctx.minutes * 60)
    reason = (msg("common.reason_asked", whole=whole) if asked or asked_images else
              msg("common.reason_resumed") if earlier else msg("common.reason_sized", whole=whole))
    ctx.show.note(msg("common.plan", reason=reason, why=chosen.why), blank=True)
    if chosen.warning:
        ctx.show.note(chosen.warning, style="yellow", blank=True)
    ctx.record.info["speed"] = {"variant": speed.variant.name, "timings": speed.timings,
                                "images_per_second": speed.images_per_second,
                                "eval_images_per_second": speed.eval_images_per_second,
                                "cached": speed.cached}
    ctx.record.info["plan"] = asdict(chosen)
    return Planned({**recipe, "epochs": chosen.epochs},
                   chosen.images if chosen.images < n_train else None,
                   chosen.test_images if chosen.test_images < n_test else None, speed)


def _earlier_plan(ctx) -> dict:
    """--resume: the plan of the run being resumed (its metrics.json), so that it goes on
    with the same images and epochs whatever the speed or time now."""
    if ctx.resume is None:
        return {}
    folder = ctx.resume if ctx.resume.is_dir() else ctx.resume.parent
    try:
        earlier = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))["plan"]
        return {key: int(earlier[key]) for key in ("epochs", "images", "test_images")}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def train(ctx, model, data, planned: Planned, *, rebuild: dict, loss_fn=F.cross_entropy,
          label: str = "", figures: bool = True, train_eval_images: int | None = None):
    """fit_recipe() with this run's device, seed, --resume and --dry-run, shown live; its
    epochs, figures and checkpoint go to the run's record. `label` tells apart the models
    of a lesson that trains several (history rows, final figures, model-LABEL.pt);
    `train_eval_images` asks fit() for eval-mode training accuracy after every epoch."""
    name = f"model-{label}.pt" if label else "model.pt"
    checkpoint = ctx.out / name
    resume = ctx.resume
    if resume is not None and (label or resume.is_dir()):  # a folder, or a lesson's
        resume = (resume if resume.is_dir() else resume.parent) / name  # several models
    # the recipe is part of what a checkpoint was trained with: resuming with another
    # optimizer or learning rate would silently mix the two (only the epochs may change)
    recipe = planned.recipe
    rebuild = {**rebuild, "recipe": {k: v for k, v in recipe.items() if k != "epochs"}}
    try:
        result = fit_recipe(model, data, recipe, device=ctx.device, seed=ctx.seed,
                            subset=planned.subset, test_images=planned.test_images,
                            variant=planned.variant, loss_fn=loss_fn, checkpoint=checkpoint,
                            rebuild=rebuild, resume=resume,
                            train_eval_images=train_eval_images,
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
        ctx.show.note(msg("common.already_finished", path=resume, epochs=result.epochs_done))
    elif not ctx.dry_run and result.train_seconds >= 5:  # long enough to judge the probe by
        corrected = correct(planned.speed, result.images_per_second, ctx.speed_cache)
        if corrected:
            ctx.show.note(join([corrected, "."], ""), style="yellow")
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
    """Learning curves, the confusion matrix, and the test images the model got wrong
    (most confident first) beside a few it got right."""
    y_test, predictions = result.test_labels, result.predictions
    k = len(data.classes)
    confusion = torch.bincount(y_test * k + predictions, minlength=k * k).reshape(k, k)
    record.figure(plots.training_curves(result.history), "curves.png")
    record.figure(plots.confusion(confusion, data.classes), "confusion.png")
    images = data.test_x if result.test_index is None else data.test_x[result.test_index]
    record.figure(plots.prediction_grid(images, y_test, predictions, result.confidence,
                                        data.classes), "predictions.png")


def train_and_report(ctx, model, data, planned: Planned, /, *, rebuild: dict, **values):
    """The end of a recipe lesson: predictions asked, the run, its results, the recap.
    `values` fill more placeholders of the results section."""
    ctx.show.predict()
    ctx.show.section("run")
    result = train(ctx, model, data, planned, rebuild=rebuild)
    ctx.show.section("results", accuracy=result.test_accuracy, seconds=result.train_seconds,
                     speed=result.images_per_second, **values)
    ctx.show.section("recap")
    return result
