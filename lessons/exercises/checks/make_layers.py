"""make_layers on random configurations: layer by layer against VGG's rule, then the
parameter count and the output shape."""

import torch
from torch import nn

from dlcourse.exercises import checking


def describe_layer(m) -> str:
    if isinstance(m, nn.Conv2d):
        return (f"Conv2d({m.in_channels}, {m.out_channels}, kernel {m.kernel_size[0]}, "
                f"padding {m.padding[0]})")
    if isinstance(m, nn.BatchNorm2d):
        return f"BatchNorm2d({m.num_features})"
    if isinstance(m, nn.MaxPool2d):
        k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
        s = m.stride if isinstance(m.stride, int) else m.stride[0]
        return f"MaxPool2d({k}, stride {s})"
    return type(m).__name__ + "()"


def expected_layers(config, in_channels, batch_norm) -> list[str]:
    out, c = [], in_channels
    for v in config:
        if v == "M":
            out.append("MaxPool2d(2, stride 2)")
        else:
            out.append(f"Conv2d({c}, {v}, kernel 3, padding 1)")
            out += [f"BatchNorm2d({v})"] if batch_norm else []
            out.append("ReLU()")
            c = v
    return out


def check(learner):
    make_layers = checking.function(learner, "make_layers")
    for case in checking.cases(12):
        config = []
        for _ in range(case.int(1, 6)):
            config.append(case.choice([4, 8, 16, "M"]))
        in_channels, batch_norm = case.int(1, 3), case.index % 2 == 1
        features = make_layers(config, in_channels, batch_norm)
        example = f"make_layers({config}, in_channels={in_channels}, batch_norm={batch_norm})"
        checking.expect_true(example, isinstance(features, nn.Sequential),
                             f"expected an nn.Sequential, got {checking.describe(features)}")
        got = [describe_layer(m) for m in features]
        want = expected_layers(config, in_channels, batch_norm)
        for i, (g, w) in enumerate(zip(got, want, strict=False)):
            checking.expect_equal(f"layer {i}", g, w, example)
        checking.expect_equal("the number of layers", len(got), len(want), example)
        pools = config.count("M")
        size = 2 ** pools * case.int(1, 3)
        out = features(torch.zeros(2, in_channels, size, size))
        last = next((v for v in reversed(config) if v != "M"), in_channels)
        side = size // 2**pools
        checking.expect_shape("the output", out, (2, last, side, side), example)
