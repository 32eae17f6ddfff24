"""train_one_epoch: the calls in the right order (watched by spies), then real training on
the bundled MNIST sample to a stated test accuracy."""

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlcourse.exercises import checking

MNIST_ACCURACY = 0.85  # one epoch of the check's MLP reaches about 89 % on the sample
MNIST_EPOCHS = 1


class Spy:
    """Records what the loop does: forward passes, optimizer and scheduler steps."""

    def __init__(self, model):
        self.params = list(model.parameters())
        self.modes, self.batch_grads, self.steps, self.scheduled = [], [], 0, 0
        self.sizes, self.losses = [], []

    def loss_fn(self, logits, targets):
        loss = F.cross_entropy(logits, targets)
        # this batch's own gradient, to compare with .grad when the optimizer steps
        self.batch_grads.append(torch.autograd.grad(loss, self.params, retain_graph=True))
        self.sizes.append(len(targets))
        self.losses.append(loss.item())
        return loss


class SpySGD(torch.optim.SGD):
    def __init__(self, params, spy):
        super().__init__(params, lr=0.01)
        self.spy = spy

    def step(self, closure=None):
        spy = self.spy
        spy.steps += 1
        checking.expect_true("optimizer.step()", len(spy.batch_grads) == spy.steps,
                             f"expected one step per batch, got step {spy.steps} after "
                             f"{len(spy.batch_grads)} batches")
        for p, fresh in zip(spy.params, spy.batch_grads[-1], strict=True):
            checking.expect_true(
                "the gradient at optimizer.step()", p.grad is not None,
                "expected the batch's gradient, got none: call loss.backward() before step()")
            if not torch.allclose(p.grad, fresh, rtol=1e-4, atol=1e-6):
                raise checking.Mismatch(
                    "the gradient at optimizer.step()", "this batch's gradient only",
                    "a sum over several batches (old gradients were never cleared)"
                    if spy.steps > 1 else "something else",
                    note="optimizer.zero_grad() belongs before loss.backward()")
        return super().step(closure)


class SpyScheduler:
    def __init__(self, spy):
        self.spy = spy

    def step(self):
        self.spy.scheduled += 1
        checking.expect_true(
            "scheduler.step()", self.spy.scheduled <= self.spy.steps,
            "expected it after optimizer.step() in each batch, got it before")


class Recorder(nn.Module):
    """A linear model that notes whether it was in training mode at each forward pass."""

    def __init__(self, features, classes):
        super().__init__()
        self.linear = nn.Linear(features, classes)
        self.spy = None

    def forward(self, x):
        self.spy.modes.append(self.training)
        return self.linear(x)


def check(learner):
    train_one_epoch = checking.function(learner, "train_one_epoch")
    for case in checking.cases(6):
        n, d, c, b = case.int(10, 60), case.int(2, 6), case.int(2, 4), case.int(3, 16)
        X, y = case.randn(n, d, dtype=torch.float32), case.randint(0, c, (n,))
        model = Recorder(d, c).eval()  # the loop must switch it to training mode
        spy = model.spy = Spy(model)
        loader = DataLoader(TensorDataset(X, y), batch_size=b)
        batches = len(loader)
        use_scheduler = case.index % 2 == 0
        result = train_one_epoch(model, loader, spy.loss_fn, SpySGD(model.parameters(), spy),
                                 SpyScheduler(spy) if use_scheduler else None)
        example = f"{n} examples in batches of {b}"
        checking.expect_true("the model's mode", all(spy.modes) and spy.modes,
                             "expected training mode in every forward pass: call model.train()")
        checking.expect_equal("optimizer steps", spy.steps, batches, example)
        if use_scheduler:
            checking.expect_equal("scheduler steps (one per batch)", spy.scheduled, batches,
                                  example)
        mean = sum(s * v for s, v in zip(spy.sizes, spy.losses, strict=True)) / sum(spy.sizes)
        checking.expect_close("the returned mean loss per example", result, mean, rtol=1e-4,
                              example=example + " (the last batch is smaller: weigh by size)")
    check_mnist(train_one_epoch)


def check_mnist(train_one_epoch):
    from dlcourse.data.sets import sample_mnist

    data = sample_mnist()

    def scale(x):  # uint8 (N, 1, 28, 28) -> float (N, 784), standardized
        return (x.float().div(255).flatten(1) - 0.1307) / 0.3081

    with checking.seeded(0), checking.threads(1):  # a tiny model: one thread is fastest
        model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
        loader = DataLoader(TensorDataset(scale(data.train_x), data.train_y), batch_size=64,
                            shuffle=True, generator=torch.Generator().manual_seed(0))
        optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=3e-3, total_steps=MNIST_EPOCHS * len(loader))
        for _ in range(MNIST_EPOCHS):
            train_one_epoch(model, loader, nn.CrossEntropyLoss(), optimizer, scheduler)
    model.eval()
    with torch.no_grad():
        accuracy = (model(scale(data.test_x)).argmax(1) == data.test_y).float().mean().item()
    checking.expect_true(
        "MNIST", accuracy >= MNIST_ACCURACY,
        f"expected at least {MNIST_ACCURACY:.0%} test accuracy after {MNIST_EPOCHS} epochs "
        f"on the bundled sample, got {accuracy:.1%}")
