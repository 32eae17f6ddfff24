"""Per-channel mean and standard deviation, and normalization with them.

Write `channel_stats(images)`: for uint8 images (N, C, H, W) with values 0-255, the mean
and the standard deviation of each channel over all images and pixels, in [0, 1] units
(divide by 255): two tensors of shape (C,). Then `normalize(images, mean, std)`: the
images as floats in [0, 1], minus each channel's mean, divided by its std, shape
(N, C, H, W). The check uses random images and the bundled CIFAR-10 sample.

    dlcourse exercise check channel-stats
"""

import torch


def channel_stats(images):
    """uint8 (N, C, H, W) -> (mean (C,), std (C,)) in [0, 1] units."""
    raise NotImplementedError("reduce over every dimension except the channels")


def normalize(images, mean, std):
    """uint8 (N, C, H, W) -> float (N, C, H, W): (images / 255 − mean) / std, per channel."""
    raise NotImplementedError


if __name__ == "__main__":
    images = torch.randint(0, 256, (8, 3, 4, 4), dtype=torch.uint8)
    mean, std = channel_stats(images)
    print(mean, std)  # each about 0.5 and 0.29 for uniform noise
    print(normalize(images, mean, std).mean(dim=(0, 2, 3)))  # about 0 each
