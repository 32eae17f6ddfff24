"""evaluate(): per-image accuracy on loaders whose last batch is smaller, in eval mode,
without gradients, on a model whose dropout would change its answers in training mode."""

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlcourse.exercises import checking


class Watched(nn.Module):
    """A small classifier with dropout that notes its mode and whether gradients were on."""

    def __init__(self, d, c):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(d, 32), nn.ReLU(), nn.Dropout(0.5),
                                    nn.Linear(32, c))
        self.seen = []

    def forward(self, x):
        self.seen.append((self.training, torch.is_grad_enabled()))
        return self.layers(x)


def check(learner):
    evaluate = checking.function(learner, "evaluate")
    for case in checking.cases(20):
        d, c, batch = case.int(2, 6), case.int(2, 5), case.int(4, 10)
        n = batch * case.int(1, 4) + case.int(1, batch - 1)  # a smaller last batch
        X = case.randn(n, d, dtype=torch.float32)
        model = Watched(d, c).train()  # left in training mode, as after training
        with torch.no_grad():
            y = model.layers.eval()(X).argmax(dim=1)  # labels the model mostly gets right...
        flip = case.rand(n) < 0.4
        y = torch.where(flip, (y + 1) % c, y)  # ...but not all: about 60 %
        model.train()
        loader = DataLoader(TensorDataset(X, y), batch_size=batch)
        expected = 1 - flip.float().mean().item()  # the unflipped labels are right
        got = evaluate(model, loader)
        example = f"{n} images in batches of {batch}"
        checking.expect_true("the model's mode", all(not training for training, _ in model.seen)
                             and model.seen,
                             "expected eval mode while predicting: call model.eval() (dropout "
                             "would drop half the units)")
        checking.expect_true("gradients", not any(grad for _, grad in model.seen),
                             "expected them off while predicting: use torch.no_grad()")
        per_batch = sum((~flip[i:i + batch]).float().mean().item()
                        for i in range(0, n, batch)) / len(loader)
        if abs(float(got) - per_batch) < 1e-9 and abs(per_batch - expected) > 1e-9:
            raise checking.Mismatch("accuracy", f"{expected:.4f}, counted per image",
                                    f"{per_batch:.4f}, the mean of the batches' accuracies",
                                    example=example + ": the last batch weighs as much as a "
                                                      "full one")
        checking.expect_close("accuracy", got, expected, rtol=1e-6, example=example)
