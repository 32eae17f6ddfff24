"""Transfer learning: freeze the features, replace the head."""

from torch import nn


def prepare_for_transfer(model, num_classes):
    """Frozen features, a new last layer for num_classes; returns the model."""
    # the convolutions keep what ImageNet taught them: no gradients, no updates
    model.features.requires_grad_(False)
    last = model.classifier[-1]  # e.g. Linear(4096, 1000): ImageNet's 1,000 classes
    # a fresh layer, trainable by default, with as many outputs as the new task's classes
    model.classifier[-1] = nn.Linear(last.in_features, num_classes)
    return model


def trainable_parameters(model):
    """The parameters that still learn: a list, for the optimizer."""
    return [p for p in model.parameters() if p.requires_grad]


if __name__ == "__main__":
    model = nn.Module()  # VGG's layout in miniature: features, then a classifier
    model.features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                                   nn.Flatten())
    model.classifier = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1000))
    prepare_for_transfer(model, num_classes=10)
    print(sum(p.numel() for p in trainable_parameters(model)))  # 8·16 + 16 + 16·10 + 10 = 314
