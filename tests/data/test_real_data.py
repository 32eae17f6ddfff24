"""The real-data kit (../shared/data): counts and known values. Skipped where it is absent,
as on a user's clone."""

import shutil

import pytest

from dlcourse.data import sets
from dlcourse.data.loaders import cache_dir, load_housing, load_images
from tests.conftest import SHARED_DATA

pytestmark = [pytest.mark.skipif(not SHARED_DATA.is_dir(),
                                 reason=f"the real-data kit is not at {SHARED_DATA}"),
              pytest.mark.slow]  # imports and decodes the whole kit


def test_mnist_kit(cli):
    cli("data", "import", str(SHARED_DATA / "mnist"))
    data = load_images("mnist", offline=True)
    assert (len(data.train_y), len(data.test_y)) == (17_435, 10_000)
    assert data.train_y[:5].tolist() == [5, 0, 4, 1, 9]
    assert data.test_y[:5].tolist() == [7, 2, 1, 0, 4]
    out = cli("data", "status").output
    assert "17,435" in out and "10,000" in out and "damaged" not in out
    images = cache_dir() / "MNIST" / "raw" / "t10k-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-784])  # one image short
    assert "damaged" in cli("data", "status").output


def test_housing_kit(cli):
    cli("data", "import", str(SHARED_DATA / "california_housing" / "cal_housing.tgz"))
    data = load_housing(offline=True)
    assert data.X.shape == (20_640, 8) and data.source == "cache"
    assert data.X[:, 0].double().mean().item() == pytest.approx(3.8707, abs=5e-5)
    assert data.y.double().mean().item() == pytest.approx(2.0686, abs=5e-5)


def test_bundled_housing_is_the_same_table():
    X, y, _ = sets.sample_housing()
    assert X.shape == (20_640, 8) and float(y.astype("float64").mean()) == pytest.approx(2.0686,
                                                                                         abs=5e-5)


def test_cifar10_tree_import_and_load(cli, tmp_path, monkeypatch):
    out = cli("data", "import", str(SHARED_DATA / "cifar10" / "cifar10-jpg.tar.gz")).output
    assert "50,000 training and 10,000 test images" in out
    data = load_images("cifar10", offline=True)
    assert data.train_x.shape == (50_000, 3, 32, 32) and len(data.test_y) == 10_000
    assert data.train_y.bincount().tolist() == [5_000] * 10
    # the same tree through --data comes from the decoded cache
    again = load_images("cifar10", data=cache_dir() / "cifar10-jpg")
    assert again.source == "folder" and len(again.train_y) == 50_000
    monkeypatch.setenv("COLUMNS", "300")  # the verified column on one line
    assert "every image decoded, 0 skipped" in cli("data", "status").output


@pytest.mark.parametrize("name", ["mnist/train-images-idx3-ubyte.gz",
                                  "california_housing/cal_housing.tgz",
                                  "cifar10/cifar10-jpg.tar.gz"])
def test_corrupted_copies_fail_cleanly_and_change_nothing(cli, tmp_path, name):
    source = SHARED_DATA / name
    if name.startswith("mnist"):
        copy = tmp_path / "mnist-copy"
        shutil.copytree(SHARED_DATA / "mnist", copy)
        target = copy / source.name
        raw = target.read_bytes()
        target.write_bytes(raw[: len(raw) // 3])
    else:
        copy = target = tmp_path / source.name
        raw = source.read_bytes()
        target.write_bytes(raw[: len(raw) // 3])
    before = sorted(cache_dir().rglob("*")) if cache_dir().exists() else []
    cli("data", "import", str(copy), code=2)
    after = sorted(cache_dir().rglob("*")) if cache_dir().exists() else []
    assert after == before
