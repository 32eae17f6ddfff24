"""Data augmentation as batched tensor operations on the training device.

Each function takes a float batch (N, C, H, W) in [0, 1] and a torch.Generator, and draws
an independent random choice per image, like torchvision's per-image transforms, but in a
handful of tensor operations for the whole batch instead of one Python call per image.
"""

import math

import torch
import torch.nn.functional as F


def random_crop(x, padding, generator):
    """Pad by `padding` zeros, then cut each image back to (H, W) at a random offset."""
    N, C, H, W = x.shape
    padded = F.pad(x, (padding,) * 4)  # (N, C, H + 2p, W + 2p)
    dy = torch.randint(0, 2 * padding + 1, (N, 1), device=x.device, generator=generator)
    dx = torch.randint(0, 2 * padding + 1, (N, 1), device=x.device, generator=generator)
    rows = (dy + torch.arange(H, device=x.device))[:, None, :, None]  # (N, 1, H, 1)
    cols = (dx + torch.arange(W, device=x.device))[:, None, None, :]  # (N, 1, 1, W)
    padded = padded.gather(2, rows.expand(N, C, H, W + 2 * padding))  # (N, C, H, W + 2p)
    return padded.gather(3, cols.expand(N, C, H, W))  # (N, C, H, W)


def random_flip(x, generator):
    """Mirror each image left-right with probability 1/2."""
    flip = torch.rand(x.shape[0], device=x.device, generator=generator) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(3), x)


def random_affine(x, generator, degrees=10.0, shear=10.0, scale=(0.8, 1.2), flip=False):
    """Rotate, shear and scale each image by random amounts (one grid_sample per batch);
    flip=True also mirrors half of them first, in the same resampling."""
    N = x.shape[0]

    def uniform(low, high):
        return low + (high - low) * torch.rand(N, device=x.device, generator=generator)

    angle = uniform(-degrees, degrees) * math.pi / 180
    shear_x = uniform(-shear, shear) * math.pi / 180
    s = uniform(*scale)
    cos, sin, tan = torch.cos(angle), torch.sin(angle), torch.tan(shear_x)
    # output -> input sampling matrix: inverse of (rotate · shear · scale), no translation
    theta = torch.zeros(N, 2, 3, device=x.device, dtype=x.dtype)
    theta[:, 0, 0] = (cos + sin * tan) / s
    theta[:, 0, 1] = (sin - cos * tan) / s
    theta[:, 1, 0] = -sin / s
    theta[:, 1, 1] = cos / s
    if flip:  # mirroring first means sampling at −x: negate the x row of the matrix
        mirror = torch.rand(N, device=x.device, generator=generator) < 0.5
        theta[:, 0] *= torch.where(mirror, -1.0, 1.0)[:, None]
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    # nearest-pixel sampling, like torchvision's RandomRotation and RandomAffine by default
    return F.grid_sample(x, grid, mode="nearest", padding_mode="zeros", align_corners=False)


def color_jitter(x, generator, strength=0.2):
    """Scale brightness, contrast and saturation of each image by 1 ± strength.

    The three steps are linear, so they fold into one: out = A·x + B, with per-image A and
    per-pixel B (derivation in the comments), one pass over the pixels instead of six.
    """
    N, C = x.shape[:2]

    def factor():
        return 1 + strength * (2 * torch.rand(N, 1, 1, 1, device=x.device, generator=generator) - 1)

    b, c, s = factor(), factor(), factor()  # brightness, contrast, saturation
    m = x.mean(dim=(1, 2, 3), keepdim=True)  # each image's mean: contrast pivots on it
    if C == 3:  # luma: the grey an image fades to as saturation drops
        luma = 0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]  # (N, 1, H, W)
    else:
        luma, s = x, torch.ones_like(s)
    # brightness: x1 = b·x;  contrast: x2 = c·(x1 − b·m) + b·m;
    # saturation: x3 = s·(x2 − L2) + L2, with L2 = luma(x2) = b·(c·(luma − m) + m). Hence:
    A = b * c * s  # (N, 1, 1, 1)
    B = b * (c * (1 - s) * luma + (1 - c) * m)  # (N, 1, H, W)
    return (A * x + B).clamp_(0, 1)


def augment(x, names, generator, padding=4):
    """Apply the named augmentations in order, e.g. ("crop", "flip"); `padding` is the crop's."""
    names = list(names)
    fold_flip = "flip" in names and names[names.index("flip") + 1:][:1] == ["affine"]
    for name in names:
        if name == "flip" and fold_flip:
            continue  # done by the affine that follows, in one resampling
        if name == "crop":
            x = random_crop(x, padding, generator)
        elif name == "flip":
            x = random_flip(x, generator)
        elif name == "affine":
            x = random_affine(x, generator, flip=fold_flip)
        elif name == "jitter":
            x = color_jitter(x, generator)
        else:
            raise ValueError(f"unknown augmentation {name!r}")
    return x
