"""Batched augmentation: shapes, dtype, value range, label alignment, per-image randomness."""

import pytest
import torch

from dlcourse.engine import augment

G = torch.Generator().manual_seed(0)


def batch(n=64, c=3, size=32):
    """Image i is filled with (i + 1) / (n + 1), so it can be recognised after augmenting."""
    return ((torch.arange(n, dtype=torch.float32) + 1) / (n + 1))[:, None, None, None].expand(
        n, c, size, size).clone()


@pytest.mark.parametrize("names", [("crop",), ("flip",), ("affine",), ("jitter",),
                                   ("crop", "flip", "affine", "jitter")])
def test_shapes_dtype_and_range_are_kept(names):
    x = torch.rand(16, 3, 32, 32, generator=G)
    out = augment.augment(x, names, G)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert out.min() >= 0 and out.max() <= 1


def test_crop_moves_each_image_but_keeps_it_in_its_row():
    x = batch()
    out = augment.random_crop(x, 4, G)
    for i in range(len(x)):  # only image i's value (or the zero padding) appears in row i
        assert set(out[i].unique().tolist()) <= {0.0, x[i, 0, 0, 0].item()}
    zeros = (out == 0).flatten(1).sum(dim=1)  # how much padding each image shows
    assert len(zeros.unique()) > 5, "each image gets its own random offset"


def test_crop_of_zero_padding_is_identity():
    x = torch.rand(4, 3, 8, 8, generator=G)
    assert torch.equal(augment.random_crop(x, 0, G), x)


def test_flip_is_a_mirror_for_about_half():
    x = torch.rand(1000, 1, 4, 4, generator=G)
    out = augment.random_flip(x, G)
    flipped = (out == x.flip(3)).flatten(1).all(1)
    kept = (out == x).flatten(1).all(1)
    assert (flipped | kept).all() and 400 < flipped.sum() < 600


def test_affine_keeps_the_centre_pixel_roughly():
    x = batch(8, 3, 33)
    out = augment.random_affine(x, G)
    torch.testing.assert_close(out[:, :, 16, 16], x[:, :, 16, 16], atol=1e-5, rtol=0)


def test_jitter_changes_images_independently():
    x = torch.rand(32, 3, 8, 8, generator=G) * 0.5 + 0.25
    out = augment.color_jitter(x, G)
    ratios = (out.mean(dim=(1, 2, 3)) / x.mean(dim=(1, 2, 3)))
    assert ratios.std() > 0.01


def test_same_generator_seed_same_result():
    x = torch.rand(8, 3, 32, 32, generator=G)
    a = augment.augment(x, ("crop", "flip", "affine", "jitter"), torch.Generator().manual_seed(3))
    b = augment.augment(x, ("crop", "flip", "affine", "jitter"), torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_unknown_name():
    with pytest.raises(ValueError, match="unknown augmentation"):
        augment.augment(torch.rand(1, 1, 4, 4), ("twirl",), G)


def test_flip_folded_into_the_affine_mirrors_about_half():
    x = torch.rand(400, 1, 8, 8, generator=G)
    out = augment.random_affine(x, G, degrees=0.0, shear=0.0, scale=(1.0, 1.0), flip=True)
    flipped = torch.isclose(out, x.flip(3), atol=1e-5).flatten(1).all(1)
    kept = torch.isclose(out, x, atol=1e-5).flatten(1).all(1)
    assert (flipped | kept).all() and 150 < flipped.sum() < 250


def test_prepare_normalizes_like_the_formula():
    from dlcourse.engine.train import Prepare

    images = torch.randint(0, 256, (4, 3, 8, 8), dtype=torch.uint8, generator=G)
    mean, std = torch.tensor([0.4, 0.5, 0.6]), torch.tensor([0.2, 0.25, 0.3])
    out = Prepare(torch.device("cpu"), mean, std)(images)
    expected = (images.float() / 255 - mean[:, None, None]) / std[:, None, None]
    torch.testing.assert_close(out, expected)
    assert out.is_contiguous(memory_format=torch.channels_last)
