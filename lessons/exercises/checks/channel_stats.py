"""channel_stats and normalize on random images of random shapes, then on 1,000 images
of the bundled CIFAR-10 sample."""

import io

import numpy as np
import torch

from dlcourse.exercises import checking


def cifar_images(n=1000):
    """Every tenth training image of the bundled sample (it is stored class by class, so
    this takes 100 of each class), decoded: uint8 (n, 3, 32, 32)."""
    from PIL import Image  # lighter to import than torchvision, for the same pixels

    from dlcourse.course.catalog import assets_dir

    npz = np.load(assets_dir() / "cifar10-sample.npz")
    blob, offsets = npz["train_jpeg"], npz["train_offsets"]
    images = [np.asarray(Image.open(io.BytesIO(blob[offsets[i]:offsets[i + 1]].tobytes()))
                         .convert("RGB")) for i in range(0, 10 * n, 10)]
    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2)  # (n, H, W, 3) -> (n, 3, H, W)


def check(learner):
    channel_stats = checking.function(learner, "channel_stats")
    normalize = checking.function(learner, "normalize")
    for case in checking.cases(15):
        c = case.int(1, 4)
        shape = (case.int(2, 6), c, case.int(2, 9), case.int(2, 9))
        # each channel its own brightness and contrast, so that mixing them up shows
        low, high = case.randint(0, 100, (c, 1, 1)), case.randint(150, 256, (c, 1, 1))
        images = (low + case.rand(*shape) * (high - low)).to(torch.uint8)
        expected(channel_stats, normalize, images, f"images of shape {shape}")
    images = cifar_images()
    expected(channel_stats, normalize, images, "1,000 CIFAR-10 training images")


def expected(channel_stats, normalize, images, example):
    x = images.double() / 255
    mean, std = x.mean(dim=(0, 2, 3)), x.std(dim=(0, 2, 3))
    got = channel_stats(images)
    checking.expect_true("channel_stats(images)", isinstance(got, tuple | list) and len(got) == 2,
                         f"expected (mean, std), got {checking.describe(got)}")
    checking.expect_close("the mean per channel", got[0], mean, rtol=1e-4, atol=1e-6,
                          example=example + " (in [0, 1] units)")
    # the unbiased std (torch's default) or the biased one: both are fine here
    if not torch.allclose(got[1].double(), x.std(dim=(0, 2, 3), correction=0), rtol=1e-4):
        checking.expect_close("the std per channel", got[1], std, rtol=1e-4, atol=1e-6,
                              example=example)
    out = normalize(images, mean.float(), std.float())
    checking.expect_close("normalize(images, mean, std)", out,
                          (x - mean[:, None, None]) / std[:, None, None], rtol=1e-4, atol=1e-4,
                          example=example)
