"""ResNet's BasicBlock, with its 1×1 shortcut."""

import torch
import torch.nn.functional as F
from torch import nn


class BasicBlock(nn.Module):
    """Two 3×3 conv + batch-norm layers, plus a shortcut that adds the input back."""

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        # no bias: the batch norm right after each convolution has its own shift
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()  # empty: the identity, when the shapes already match
        if stride != 1 or in_planes != planes:
            # a 1×1 convolution brings x to the output's channels and size, so x can be added
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes))

    def forward(self, x):  # (B, in_planes, H, W) -> (B, planes, H / stride, W / stride)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        # the block learns a correction to its input; the gradient reaches x unchanged
        # along the shortcut, however deep the network
        return F.relu(out + self.shortcut(x))


if __name__ == "__main__":
    block = BasicBlock(16, 32, stride=2)
    print(block(torch.zeros(2, 16, 32, 32)).shape)  # (2, 32, 16, 16)
