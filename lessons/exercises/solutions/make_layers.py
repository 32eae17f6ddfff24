"""VGG's make_layers: a network from a configuration list."""

import torch
from torch import nn


def make_layers(config, in_channels=3, batch_norm=False):
    """[64, "M", 128, ...] -> nn.Sequential of conv (+ batch norm) + ReLU blocks and pools."""
    layers, channels = [], in_channels  # channels: what the next convolution receives
    for v in config:
        if v == "M":
            layers.append(nn.MaxPool2d(2))  # halves height and width, keeps channels
        else:
            layers.append(nn.Conv2d(channels, v, kernel_size=3, padding=1))  # keeps the size
            if batch_norm:
                layers.append(nn.BatchNorm2d(v))
            layers.append(nn.ReLU(inplace=True))
            channels = v
    return nn.Sequential(*layers)


if __name__ == "__main__":
    features = make_layers([64, "M", 128, "M"])
    print(features)
    print(features(torch.zeros(2, 3, 32, 32)).shape)  # (2, 128, 8, 8)
