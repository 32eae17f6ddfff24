"""Transfer learning: freeze the features, replace the head.

Write `prepare_for_transfer(model, num_classes)` for a VGG-shaped model (it has
`model.features` and `model.classifier`, an nn.Sequential ending in an nn.Linear):
freeze every parameter of the features (requires_grad False), replace the classifier's
last nn.Linear with a new one that keeps its in_features and outputs num_classes scores,
leave the rest of the classifier trainable, and return the model. Then write
`trainable_parameters(model)`: the list of parameters an optimizer should get. The check
counts trainable parameters on random VGG-like models and runs a training step.

    dlcourse exercise check freeze-and-replace
"""

import torch
from torch import nn


def prepare_for_transfer(model, num_classes):
    """Frozen features, a new last layer for num_classes; returns the model."""
    raise NotImplementedError("requires_grad_(False) on the features, then a new nn.Linear")


def trainable_parameters(model):
    """The parameters that still learn: a list, for the optimizer."""
    raise NotImplementedError


if __name__ == "__main__":
    model = nn.Module()  # VGG's layout in miniature: features, then a classifier
    model.features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                                   nn.Flatten())
    model.classifier = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1000))
    prepare_for_transfer(model, num_classes=10)
    print(sum(p.numel() for p in trainable_parameters(model)))  # 8·16 + 16 + 16·10 + 10 = 314
