"""BasicBlock: output shape and parameter count for random shapes, the same outputs as the
lesson's block with the same weights, and the gradient along the identity path."""

import torch
import torch.nn.functional as F
from torch import nn

from dlcourse.exercises import checking


class Reference(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + self.shortcut(x))


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def check(learner):
    BasicBlock = checking.function(learner, "BasicBlock")
    for case in checking.cases(10):
        in_planes, planes = case.choice([4, 8]), case.choice([4, 8, 16])
        stride = case.choice([1, 1, 2])
        size = case.choice([4, 6, 8])
        block, reference = BasicBlock(in_planes, planes, stride), Reference(in_planes, planes,
                                                                            stride)
        example = f"BasicBlock({in_planes}, {planes}, stride={stride})"
        checking.expect_equal("the number of parameters", count(block), count(reference),
                              example + (" (with its 1×1 conv + batch-norm shortcut)"
                                         if len(reference.shortcut) else " (identity shortcut)"))
        x = case.randn(2, in_planes, size, size, dtype=torch.float32)
        out = block(x)
        checking.expect_shape("the output", out, (2, planes, size // stride, size // stride),
                              example + f" on {tuple(x.shape)}")
        try:
            block.load_state_dict(reference.state_dict())
        except RuntimeError:
            raise checking.Mismatch(
                "the layers' names", "conv1, bn1, conv2, bn2 and shortcut (a Sequential of "
                "conv then batch norm)", ", ".join(block.state_dict())) from None
        for mode in ("train", "eval"):
            getattr(block, mode)(), getattr(reference, mode)()
            checking.expect_close(f"the output in {mode} mode, with the lesson's weights",
                                  block(x), reference(x), rtol=1e-4, atol=1e-5, example=example)
    identity_path(BasicBlock)


def identity_path(BasicBlock):
    """With the residual branch silenced (bn2's scale 0, as some ResNets start), the block
    is relu(x): the gradient reaches every positive input through the shortcut alone."""
    block = BasicBlock(8, 8, 1).eval()
    nn.init.zeros_(block.bn2.weight)
    x = torch.randn(2, 8, 6, 6, generator=torch.Generator().manual_seed(0)).requires_grad_()
    block(x).sum().backward()
    expected = (x > 0).float()
    checking.expect_close("the gradient through the identity path", x.grad, expected,
                          example="BasicBlock(8, 8) with the residual branch set to 0: "
                                  "the output must be relu(x + 0)")
