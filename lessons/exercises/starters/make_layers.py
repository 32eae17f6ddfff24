"""VGG's make_layers: a network from a configuration list.

Write `make_layers(config, in_channels=3, batch_norm=False)`: config is a list like
[64, "M", 128, "M", 256, 256, "M"]. Each number adds a 3×3 convolution with padding 1 to
that many channels (followed by nn.BatchNorm2d when batch_norm is true), then nn.ReLU;
each "M" adds nn.MaxPool2d(2). Return them in order in one nn.Sequential. The check
builds random configurations and compares the layers, the parameter count and the output
shape with VGG's.

    dlcourse exercise check make-layers
"""

import torch
from torch import nn


def make_layers(config, in_channels=3, batch_norm=False):
    """[64, "M", 128, ...] -> nn.Sequential of conv (+ batch norm) + ReLU blocks and pools."""
    raise NotImplementedError("walk the list, remembering how many channels come in")


if __name__ == "__main__":
    features = make_layers([64, "M", 128, "M"])
    print(features)
    print(features(torch.zeros(2, 3, 32, 32)).shape)  # (2, 128, 8, 8)
