"""ResNet's BasicBlock, with its 1×1 shortcut.

Finish `BasicBlock(in_planes, planes, stride=1)`: conv1 (3×3, `stride`, padding 1, no
bias) -> bn1 -> ReLU -> conv2 (3×3, padding 1, no bias) -> bn2, then add the shortcut of
the input, then ReLU. The shortcut is the identity (an empty nn.Sequential) when the
shape does not change; when stride ≠ 1 or in_planes ≠ planes it is a 1×1 convolution with
that stride (no bias) and a batch norm, so that the two can be added. Keep the names
conv1, bn1, conv2, bn2, shortcut. The check compares shapes, parameter counts and outputs
with the lesson's block, and follows the gradient through the identity path.

    dlcourse exercise check basic-block
"""

import torch
import torch.nn.functional as F
from torch import nn


class BasicBlock(nn.Module):
    """Two 3×3 conv + batch-norm layers, plus a shortcut that adds the input back."""

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        raise NotImplementedError("build conv1, bn1, conv2, bn2 and the shortcut")

    def forward(self, x):  # (B, in_planes, H, W) -> (B, planes, H / stride, W / stride)
        raise NotImplementedError


if __name__ == "__main__":
    block = BasicBlock(16, 32, stride=2)
    print(block(torch.zeros(2, 16, 32, 32)).shape)  # (2, 32, 16, 16)
