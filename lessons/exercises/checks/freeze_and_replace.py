"""prepare_for_transfer on random small VGG-like models: frozen features, a new last
layer, the rest of the classifier still learning, and a training step that proves it."""

import torch
from torch import nn

from dlcourse.exercises import checking


class TinyVGG(nn.Module):
    """VGG's layout in miniature: features, average pool, a three-layer classifier."""

    def __init__(self, width, hidden, classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.avgpool = nn.AdaptiveAvgPool2d(2)
        self.classifier = nn.Sequential(
            nn.Linear(8 * width, hidden), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(hidden, classes))

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)).flatten(1))


def count(params) -> int:
    return sum(p.numel() for p in params)


def check(learner):
    prepare = checking.function(learner, "prepare_for_transfer")
    trainable_parameters = checking.function(learner, "trainable_parameters")
    for case in checking.cases(8):
        width, hidden = case.choice([4, 8]), case.choice([16, 32])
        old_classes, classes = case.choice([100, 1000]), case.int(2, 20)
        model = TinyVGG(width, hidden, old_classes)
        features_before = [p.detach().clone() for p in model.features.parameters()]
        kept_layer = model.classifier[0]
        result = prepare(model, classes)
        example = f"a VGG-like model, {hidden} hidden units, {old_classes} -> {classes} classes"
        checking.expect_true("prepare_for_transfer(...)", result is model,
                             f"expected the model back, got {checking.describe(result)}")
        last = model.classifier[-1]
        checking.expect_true("the classifier's last layer", isinstance(last, nn.Linear),
                             f"expected an nn.Linear, got {checking.describe(last)}")
        checking.expect_equal("the new last layer's (in_features, out_features)",
                              (last.in_features, last.out_features), (hidden, classes), example)
        checking.expect_true("the classifier's first layer", model.classifier[0] is kept_layer,
                             "expected it kept, not rebuilt: only the last layer is new")
        frozen = [p for p in model.features.parameters() if p.requires_grad]
        checking.expect_true("the features", not frozen,
                             f"expected every parameter frozen, got {len(frozen)} still trainable")
        params = list(trainable_parameters(model))
        expected = count(model.classifier.parameters())
        checking.expect_equal("trainable parameters", count(params), expected,
                              example + ": the whole classifier, with the new last layer")
        checking.expect_equal("trainable parameters", count(params),
                              count(p for p in model.parameters() if p.requires_grad), example)
        one_step(model, params, features_before, classes, example)


def one_step(model, params, features_before, classes, example):
    """A training step with the learner's parameter list: features stay, the head moves."""
    head_before = model.classifier[-1].weight.detach().clone()
    optimizer = torch.optim.SGD(params, lr=0.1)
    x, y = torch.randn(4, 3, 16, 16), torch.randint(0, classes, (4,))
    model.train()
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()
    for before, after in zip(features_before, model.features.parameters(), strict=True):
        checking.expect_true("the features after a training step", torch.equal(before, after),
                             "expected them unchanged (frozen), got new values")
    checking.expect_true("the new layer after a training step",
                         not torch.equal(head_before, model.classifier[-1].weight),
                         f"expected it to learn, got the same weights ({example})")
