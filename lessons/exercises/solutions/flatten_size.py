"""A CNN's flatten size, for any image size."""

import torch
from torch import nn


def conv_output_size(size, kernel, stride=1, padding=0):
    """Output side of a conv or pool layer on a size × size input."""
    # the padded input has size + 2·padding cells; the kernel fits at positions 0, stride,
    # 2·stride, ... while it stays inside: floor division drops a partial last step
    return (size + 2 * padding - kernel) // stride + 1


class LeNet(nn.Module):
    """Conv-ReLU-pool three times (16, 32, 64 channels), then flatten -> 500 -> classes."""

    def __init__(self, channels=3, size=32, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        side = size
        for _ in range(3):  # each stage: a 3×3 conv with padding 1 keeps the side...
            side = conv_output_size(side, 3, padding=1)
            side = conv_output_size(side, 2, stride=2)  # ...and the 2×2 pool halves it
        flat = 64 * side * side  # 32 × 32 -> 64 · 4 · 4 = 1024; 28 × 28 -> 64 · 3 · 3
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
