"""Per-channel mean and standard deviation, and normalization with them."""

import torch


def channel_stats(images):
    """uint8 (N, C, H, W) -> (mean (C,), std (C,)) in [0, 1] units."""
    x = images.float() / 255  # uint8 cannot be averaged; 0-255 -> [0, 1]
    # one value per channel: reduce over the images (0), the rows (2) and the columns (3)
    return x.mean(dim=(0, 2, 3)), x.std(dim=(0, 2, 3))


def normalize(images, mean, std):
    """uint8 (N, C, H, W) -> float (N, C, H, W): (images / 255 − mean) / std, per channel."""
    # (C,) -> (C, 1, 1): lines the statistics up with the channel axis, so broadcasting
    # applies each channel's numbers to every pixel of that channel
    return (images.float() / 255 - mean[:, None, None]) / std[:, None, None]


if __name__ == "__main__":
    images = torch.randint(0, 256, (8, 3, 4, 4), dtype=torch.uint8)
    mean, std = channel_stats(images)
    print(mean, std)  # each about 0.5 and 0.29 for uniform noise
    print(normalize(images, mean, std).mean(dim=(0, 2, 3)))  # about 0 each
