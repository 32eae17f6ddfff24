"""A CNN's flatten size, for any image size.

First write `conv_output_size(size, kernel, stride=1, padding=0)`: the side of a
convolution's (or pooling's) output, for a square input of side `size`. Then finish
`LeNet(channels, size, num_classes)`: its classifier's first nn.Linear needs the number of
values the features produce per image. The check builds LeNets for random image sizes
and channels, and expects every one to map (2, channels, size, size) to (2, num_classes).

    dlcourse exercise check flatten-size
"""

import torch
from torch import nn


def conv_output_size(size, kernel, stride=1, padding=0):
    """Output side of a conv or pool layer on a size × size input."""
    raise NotImplementedError("count the kernel positions that fit")


class LeNet(nn.Module):
    """Conv-ReLU-pool three times (16, 32, 64 channels), then flatten -> 500 -> classes."""

    def __init__(self, channels=3, size=32, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        flat = 64 * 4 * 4  # right only for 32 × 32 images: compute it for any size
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(flat, 500), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(500, num_classes),
        )

    def forward(self, x):  # (B, channels, size, size) -> (B, num_classes)
        return self.classifier(self.features(x))


if __name__ == "__main__":
    print(conv_output_size(32, 3, padding=1), conv_output_size(32, 2, stride=2))  # 32 16
    print(LeNet(1, 28)(torch.zeros(2, 1, 28, 28)).shape)  # (2, 10)
