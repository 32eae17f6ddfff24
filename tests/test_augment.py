"""Batched augmentation, checked against what each transform must compute: the exact window of
the zero-padded image for the crop, the exact mirror for the flip, torchvision's affine for
rotation, shear and scale, the jitter formula applied step by step; and per-image randomness.

Where a check needs the random amounts an image got, it replays the generator: a copy of its
state draws the same numbers, in the order the function under test draws them."""

import pytest
import torch
import torch.nn.functional as F

from dlcourse.engine import augment
from dlcourse.engine.loader import DeviceLoader


def images(n, c=3, size=16, seed=0):
    """Random images: no two windows or mirrors of them are equal by chance."""
    return torch.rand(n, c, size, size, generator=torch.Generator().manual_seed(seed))


def replay(generator):
    """A generator in the same state: it draws what `generator` is about to draw."""
    copy = torch.Generator()
    copy.set_state(generator.get_state())
    return copy


@pytest.mark.parametrize("names", [("crop",), ("flip",), ("affine",), ("jitter",),
                                   ("crop", "flip", "affine", "jitter")], ids="+".join)
def test_shapes_dtype_and_range_are_kept(names):
    x = images(16, size=32)
    out = augment.augment(x, names, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.dtype == x.dtype
    assert out.min() >= 0 and out.max() <= 1


# ---- crop ------------------------------------------------------------------------------------

def crop_windows(x, out, padding):
    """(N, 2p + 1, 2p + 1): whether out[i] equals the (H, W) window at offset (dy, dx) of
    image i zero-padded by `padding`."""
    N, C, H, W = x.shape
    padded = F.pad(x, (padding,) * 4)
    span = range(2 * padding + 1)
    return torch.stack([torch.stack([
        (out == padded[:, :, dy:dy + H, dx:dx + W]).flatten(1).all(1) for dx in span], dim=1)
        for dy in span], dim=1)


def test_crop_is_a_window_of_the_zero_padded_image_at_a_uniform_offset_per_image():
    p, n = 2, 500
    x = images(n, size=8)
    out = augment.random_crop(x, p, torch.Generator().manual_seed(1))
    windows = crop_windows(x, out, p)
    matches = windows.flatten(1).sum(1)
    assert (matches == 1).all(), (
        f"{int((matches == 0).sum())} of {n} crops are no window of the input zero-padded by "
        f"{p} at an offset in [0, {2 * p}]")
    dy, dx = (i.tolist() for i in torch.nonzero(windows)[:, 1:].T)  # one row per image
    for name, offsets in (("dy", dy), ("dx", dx)):
        counts = [offsets.count(k) for k in range(2 * p + 1)]
        # each offset: binomial(500, 1/5), mean 100, sd 9: allow 4.5 sd either side
        assert all(60 < k < 140 for k in counts), f"{name} not uniform over 0..{2 * p}: {counts}"
    pairs = set(zip(dy, dx, strict=True))
    assert len(pairs) == (2 * p + 1) ** 2, f"dy and dx not drawn independently: {sorted(pairs)}"


def test_crop_offsets_differ_from_image_to_image():
    x = images(200, size=8)
    windows = crop_windows(x, augment.random_crop(x, 3, torch.Generator().manual_seed(2)), 3)
    offsets = torch.nonzero(windows)[:, 1:]
    same_as_next = (offsets[1:] == offsets[:-1]).all(1).sum()
    assert same_as_next < 20, f"{int(same_as_next)} of 199 neighbours share an offset (~4)"


def test_crop_of_zero_padding_is_identity():
    x = images(4, size=8)
    assert torch.equal(augment.random_crop(x, 0, torch.Generator().manual_seed(0)), x)


# ---- flip ------------------------------------------------------------------------------------

def test_flip_mirrors_about_half_independently():
    n = 1000
    x = images(n, c=2, size=4)
    out = augment.random_flip(x, torch.Generator().manual_seed(3))
    mirrored = (out == x.flip(3)).flatten(1).all(1)
    kept = (out == x).flatten(1).all(1)
    assert (mirrored ^ kept).all(), "each output must be its image or its exact mirror"
    # binomial(1000, 1/2): mean 500, sd 16; allow 5 sd either side
    assert 420 < mirrored.sum() < 580, f"{int(mirrored.sum())} of {n} mirrored"
    same_as_next = (mirrored[1:] == mirrored[:-1]).sum()
    assert 420 < same_as_next < 580, (
        f"decisions not independent: {int(same_as_next)} of 999 neighbours got the same one")


# ---- affine ----------------------------------------------------------------------------------

def replayed_affine(generator, n, degrees, shear, scale, flip=False):
    """Each image's angle and shear (degrees), scale and mirroring, drawn as random_affine
    draws them: uniform angle, shear, scale, then (flip=True) a coin per image."""
    g = replay(generator)

    def uniform(low, high):
        return low + (high - low) * torch.rand(n, generator=g)

    angle, shear_x, s = uniform(-degrees, degrees), uniform(-shear, shear), uniform(*scale)
    mirror = torch.rand(n, generator=g) < 0.5 if flip else torch.zeros(n, dtype=torch.bool)
    return angle.tolist(), shear_x.tolist(), s.tolist(), mirror.tolist()


def torchvision_affine(x, angle, shear_x, s, mirror):
    """The same images through torchvision's affine, one call per image (nearest pixel).
    random_affine's shear is torchvision's with the opposite sign: a symmetric range, so the
    same distribution."""
    import torchvision.transforms.functional as TF
    from torchvision.transforms import InterpolationMode

    return torch.stack([
        TF.affine(img.flip(-1) if m else img, angle=a, translate=[0, 0], scale=sc,
                  shear=[-sh, 0.0], interpolation=InterpolationMode.NEAREST)
        for img, a, sh, sc, m in zip(x, angle, shear_x, s, mirror, strict=True)])


def differing_pixels(out, expected, border=1):
    """Per image: the fraction of interior pixels where any channel differs."""
    inner = (slice(None), slice(None), slice(border, -border), slice(border, -border))
    return (out[inner] != expected[inner]).any(1).flatten(1).float().mean(1)


# The batched version agrees with torchvision on every pixel here (measured: 0 of 4,800
# 24x24 images differ at all); a pixel centre landing on a rounding boundary could still flip
# a nearest-pixel choice, so allow 2%. An identity or a 180° rotation differs on 90-100%.
AFFINE_TOLERANCE = 0.02


@pytest.mark.parametrize("degrees, shear, scale, flip", [
    pytest.param(30.0, 0.0, (1.0, 1.0), False, id="rotation"),
    pytest.param(0.0, 20.0, (1.0, 1.0), False, id="shear"),
    pytest.param(0.0, 0.0, (0.6, 1.4), False, id="scale"),
    pytest.param(10.0, 0.0, (0.8, 1.2), False, id="rotation+scale"),
    pytest.param(0.0, 10.0, (0.8, 1.2), False, id="shear+scale"),
    pytest.param(10.0, 0.0, (0.8, 1.2), True, id="mirror+rotation+scale"),  # one resampling
])
def test_affine_matches_torchvision_for_each_images_amounts(degrees, shear, scale, flip):
    n = 24
    x = images(n, size=24, seed=4)
    g = torch.Generator().manual_seed(5)
    amounts = replayed_affine(g, n, degrees, shear, scale, flip)
    out = augment.random_affine(x, g, degrees=degrees, shear=shear, scale=scale, flip=flip)
    differ = differing_pixels(out, torchvision_affine(x, *amounts))
    assert differ.max() <= AFFINE_TOLERANCE, (
        f"{int((differ > AFFINE_TOLERANCE).sum())} of {n} images differ from torchvision's "
        f"affine on more than {AFFINE_TOLERANCE:.0%} of their pixels (worst {differ.max():.0%})")


def test_affine_with_rotation_and_shear_together_matches_torchvision():
    n = 24
    x = images(n, size=24, seed=4)
    g = torch.Generator().manual_seed(5)
    amounts = replayed_affine(g, n, 10.0, 10.0, (0.8, 1.2))
    out = augment.random_affine(x, g)  # the defaults: 10 degrees, 10 degrees, 0.8 to 1.2
    assert differing_pixels(out, torchvision_affine(x, *amounts)).max() <= AFFINE_TOLERANCE


def test_flip_folded_into_the_affine_mirrors_about_half():
    n = 400
    x = images(n, c=1, size=8)
    g = torch.Generator().manual_seed(6)
    *_, mirror = replayed_affine(g, n, 0.0, 0.0, (1.0, 1.0), flip=True)
    out = augment.random_affine(x, g, degrees=0.0, shear=0.0, scale=(1.0, 1.0), flip=True)
    mirrored = (out == x.flip(3)).flatten(1).all(1)
    kept = (out == x).flatten(1).all(1)
    assert (mirrored ^ kept).all(), "each output must be its image or its exact mirror"
    assert mirrored.tolist() == mirror, "the mirrored images are not the ones the coin chose"
    assert 150 < mirrored.sum() < 250, f"{int(mirrored.sum())} of {n} mirrored (sd 10)"


# ---- colour jitter ---------------------------------------------------------------------------

def replayed_jitter_factors(generator, n, strength):
    """Brightness, contrast and saturation factors in 1 ± strength, drawn in that order."""
    g = replay(generator)
    return [1 + strength * (2 * torch.rand(n, 1, 1, 1, generator=g) - 1) for _ in range(3)]


def jitter_step_by_step(x, b, c, s):
    """Brightness, then contrast around each image's mean, then saturation around its luma;
    clamped to [0, 1] once, at the end."""
    x = b * x
    m = x.mean(dim=(1, 2, 3), keepdim=True)
    x = c * (x - m) + m
    if x.shape[1] == 3:
        luma = 0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]
        x = s * (x - luma) + luma
    return x.clamp(0, 1)


@pytest.mark.parametrize("strength", [0.2, 0.6])
def test_jitter_is_brightness_contrast_saturation_step_by_step(strength):
    n = 64
    x = images(n, size=8, seed=7)
    g = torch.Generator().manual_seed(8)
    b, c, s = replayed_jitter_factors(g, n, strength)
    out = augment.color_jitter(x, g, strength)
    torch.testing.assert_close(out, jitter_step_by_step(x, b, c, s), atol=1e-5, rtol=0,
                               msg=lambda m: f"not the step-by-step formula: {m}")
    assert (out != x).flatten(1).any(1).all(), "every image must change"


def test_jitter_of_grayscale_is_brightness_and_contrast_only():
    n = 64
    x = images(n, c=1, size=8, seed=9)
    g = torch.Generator().manual_seed(10)
    b, c, _ = replayed_jitter_factors(g, n, 0.4)  # the saturation factor is drawn, unused
    out = augment.color_jitter(x, g, 0.4)
    torch.testing.assert_close(out, jitter_step_by_step(x, b, c, None), atol=1e-5, rtol=0,
                               msg=lambda m: f"not brightness, then contrast: {m}")


# ---- augment(): the named steps in order -----------------------------------------------------

def one_by_one(x, names, generator):
    """What augment() must equal: each named step in turn, with a flip directly before the
    affine done by the affine itself (flip=True), in the same resampling."""
    for i, name in enumerate(names):
        if name == "crop":
            x = augment.random_crop(x, 4, generator)
        elif name == "flip" and names[i + 1:i + 2] != ("affine",):
            x = augment.random_flip(x, generator)
        elif name == "affine":
            x = augment.random_affine(x, generator, flip=names[i - 1:i] == ("flip",))
        elif name == "jitter":
            x = augment.color_jitter(x, generator)
    return x


@pytest.mark.parametrize("names", [("crop", "flip"), ("flip", "crop"), ("flip", "affine"),
                                   ("affine", "flip"), ("crop", "flip", "affine", "jitter")],
                         ids="+".join)
def test_augment_applies_the_steps_in_order(names):
    x = images(8, size=16, seed=11)
    g = torch.Generator().manual_seed(12)
    expected = one_by_one(x, names, replay(g))
    assert torch.equal(augment.augment(x, names, g), expected), (
        f"augment(x, {names}) is not the steps one by one, drawing in that order")


def test_flip_then_affine_in_augment_equals_mirroring_first_then_the_same_affine():
    n = 64
    x = images(n, size=24, seed=13)
    g = torch.Generator().manual_seed(14)
    *_, mirror = replayed_affine(g, n, 10.0, 10.0, (0.8, 1.2), flip=True)
    mirrored_first = torch.where(torch.tensor(mirror)[:, None, None, None], x.flip(3), x)
    # flip=False draws the same angle, shear and scale, and no coin
    expected = augment.random_affine(mirrored_first, replay(g))
    out = augment.augment(x, ("flip", "affine"), g)
    assert 16 < sum(mirror) < 48, f"{sum(mirror)} of {n} mirrored (sd 4)"
    differ = differing_pixels(out, expected)
    assert differ.max() <= AFFINE_TOLERANCE, (
        f"{int((differ > AFFINE_TOLERANCE).sum())} of {n} images differ from mirroring first, "
        f"then the same affine (worst {differ.max():.0%})")


def test_same_generator_seed_same_result():
    x = images(8, size=32)
    a = augment.augment(x, ("crop", "flip", "affine", "jitter"), torch.Generator().manual_seed(3))
    b = augment.augment(x, ("crop", "flip", "affine", "jitter"), torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_unknown_name():
    with pytest.raises(ValueError, match="unknown augmentation"):
        augment.augment(torch.rand(1, 1, 4, 4), ("twirl",), torch.Generator())


def test_the_loader_prepares_inputs_like_the_formula():
    g = torch.Generator().manual_seed(0)
    images_u8 = torch.randint(0, 256, (4, 3, 8, 8), dtype=torch.uint8, generator=g)
    mean, std = torch.tensor([0.4, 0.5, 0.6]), torch.tensor([0.2, 0.25, 0.3])
    loader = DeviceLoader(images_u8, torch.zeros(4, dtype=torch.long), 4,
                          device=torch.device("cpu"), mean=mean, std=std, channels_last=True)
    out, _ = next(iter(loader))
    expected = (images_u8.float() / 255 - mean[:, None, None]) / std[:, None, None]
    torch.testing.assert_close(out, expected)
    assert out.is_contiguous(memory_format=torch.channels_last)
