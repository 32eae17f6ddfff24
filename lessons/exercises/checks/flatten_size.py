"""conv_output_size against nn.Conv2d on random layers; LeNet on random image sizes."""

import torch
from torch import nn

from dlcourse.exercises import checking


def check(learner):
    conv_output_size = checking.function(learner, "conv_output_size")
    LeNet = checking.function(learner, "LeNet")
    for case in checking.cases(30):
        kernel, stride = case.int(1, 5), case.int(1, 3)
        padding = case.int(0, kernel // 2)
        size = case.int(kernel, 40)
        conv = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding)
        expected = conv(torch.zeros(1, 1, size, size)).shape[-1]
        checking.expect_equal("conv_output_size", conv_output_size(size, kernel, stride, padding),
                              expected, f"size {size}, kernel {kernel}, stride {stride}, "
                                        f"padding {padding}")
    for case in checking.cases(8, seed=1):
        channels, size, classes = case.int(1, 3), case.int(8, 48), case.int(2, 12)
        model = LeNet(channels, size, classes)
        example = f"LeNet({channels}, {size}, {classes}) on (2, {channels}, {size}, {size})"
        side = size // 8  # three halvings, each rounding down
        linear = next((m for m in model.modules() if isinstance(m, nn.Linear)), None)
        checking.expect_true("LeNet", linear is not None, "expected an nn.Linear classifier")
        checking.expect_equal("the first nn.Linear's in_features", linear.in_features,
                              64 * side * side, example + f": the features end at 64 × {side}"
                                                          f" × {side}")
        out = model(torch.zeros(2, channels, size, size))
        checking.expect_shape("the output", out, (2, classes), example)
