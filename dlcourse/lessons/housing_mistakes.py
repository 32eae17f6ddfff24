"""The source post's three mistakes in the housing example, each measured beside the fix.

Part of `dlcourse lesson housing --mistakes`; kept apart so the main lesson reads as the
right way to do it.
"""

import dataclasses
import warnings

import torch
from torch import nn

from dlcourse.i18n import messages, msg
from dlcourse.lessons.housing import MLP, Scaler, train_mlp


class MLPColumn(MLP):
    """The post's output shape: (N, 1), one column, against a target of shape (N,)."""

    def forward(self, x):
        return self.layers(x)  # (N, 1): MSELoss broadcasts it against (N,) to (N, N)


def run(cfg, ctx, X_train, y_train, X_test, y_test, names) -> None:
    short = dataclasses.replace(cfg, epochs=min(cfg.epochs, 10))
    scaler = Scaler(names).fit(X_train)
    X_s, X_test_s = scaler.transform(X_train), scaler.transform(X_test)

    def final_test_mse(model_cls, X, X_t, loss_fn=None):
        torch.manual_seed(ctx.seed)
        history = train_mlp(model_cls(len(names), cfg.hidden), X, y_train, X_t, y_test, short,
                            ctx.seed, loss_fn=loss_fn)
        return [h["test_mse"] for h in history]

    fixed = final_test_mse(MLP, X_s, X_test_s)
    unscaled = final_test_mse(MLP, X_train, X_test)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        column = final_test_mse(MLPColumn, X_s, X_test_s, loss_fn=broadcast_mse)
    warning = next((str(w.message) for w in caught), "")
    rows = [[msg("housing_mistakes.epoch", epoch=i + 1), a, b, c] for i, (a, b, c) in enumerate(
        zip(fixed, unscaled, column, strict=True))]
    ctx.show.table(msg("housing_mistakes.title", epochs=short.epochs),
                   ["", *messages("housing_mistakes.columns")], rows)
    shadow = shadowing_demo(X_train, y_train, cfg.batch_size)
    ctx.record.final.update(mistake_unscaled_mse=unscaled[-1], mistake_shape_mse=column[-1],
                            fixed_mse=fixed[-1])
    ctx.show.section("mistakes", fixed=fixed[-1], unscaled=unscaled[-1], column=column[-1],
                     variance=y_test.var().item(), warning=warning, epochs=short.epochs,
                     **shadow)


def broadcast_mse(prediction, target):
    """nn.MSELoss as the post called it: the (N, 1) prediction broadcasts against (N,)."""
    return nn.MSELoss()(prediction, target)


def shadowing_demo(X, y, batch_size) -> dict:
    """The post's loop wrote each batch's targets back into `y`, the name of all targets.
    Replay its first two batches on a copy and measure what the second one trains on."""
    model = MLPColumn(X.shape[1])
    y, rows_before, sizes, losses = y.clone(), len(y), [], []
    for i in range(2):
        start, end = i * batch_size, (i + 1) * batch_size
        x = X[start:end]  # fine: X (capital) still holds every row
        y = y[start:end]  # the bug: y is now this batch, so the next slice comes from it
        sizes.append(len(y))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            losses.append(nn.MSELoss()(model(x), y).item())
    return {"rows_before": rows_before, "batch1_rows": sizes[0], "batch2_rows": sizes[1],
            "batch2_loss": losses[1]}
