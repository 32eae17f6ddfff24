"""Readers of the real formats: round trips, and a clear DataError for each kind of damage."""

import os
import pickle

import numpy as np
import pytest

from dlcourse.data import formats
from dlcourse.data.formats import DataError
from tests.data import make


def test_idx_round_trip_plain_and_gzip(tmp_path):
    images = np.arange(3 * 28 * 28, dtype=np.uint8).reshape(3, 28, 28)
    for compress in (True, False):
        path = tmp_path / f"x{compress}"
        formats.write_idx(path, images, compress=compress)
        assert (formats.read_idx(path) == images).all()
        assert formats.idx_header(path) == (formats.IDX_IMAGES, 3)


def test_idx_wrong_magic_number(tmp_path):
    path = tmp_path / "bad"
    path.write_bytes(b"\x00\x00\x08\x02" + b"\x00" * 20)
    with pytest.raises(DataError, match="magic number"):
        formats.read_idx(path)


def test_idx_truncated(tmp_path):
    path = tmp_path / "short"
    formats.write_idx(path, np.zeros((5, 28, 28)), compress=False)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match="truncated"):
        formats.read_idx(path)


def test_damaged_gzip(tmp_path):
    path = tmp_path / "x.gz"
    formats.write_idx(path, np.random.default_rng(0).integers(0, 256, (20, 28, 28)))
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2: len(raw) // 2 + 8] = b"\xff" * 8  # flip bytes mid-stream: bad CRC
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="damaged gzip|truncated"):
        formats.read_idx(path)


def test_mnist_labels_out_of_range(tmp_path):
    folder = make.mnist_files(tmp_path / "m")
    formats.write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.full(10, 12))
    with pytest.raises(DataError, match="labels must be 0-9"):
        formats.read_mnist(folder)


def test_mnist_missing_file(tmp_path):
    folder = make.mnist_files(tmp_path / "m")
    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DataError, match="all four IDX files"):
        formats.read_mnist(folder)


def test_cifar_batches_round_trip(tmp_path):
    folder = make.cifar_folder(tmp_path / "c", per_batch=4)
    arrays = formats.read_cifar(folder)
    assert arrays["train_images"].shape == (20, 3, 32, 32)
    assert arrays["test_labels"].tolist() == [0, 1, 2, 3]


def test_cifar_pickle_that_runs_code_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": Evil(), b"labels": []}))
    with pytest.raises(DataError, match="refusing to load"):
        formats.read_cifar_batch(path)


def test_housing_features_follow_scikit_learn():
    raw = b"-122.23,37.88,41,880,129,322,126,8.3252,452600\n"
    X, y = formats.housing_features(formats.read_housing_rows(raw, "row"))
    expected = [8.3252, 41, 880 / 126, 129 / 126, 322, 322 / 126, 37.88, -122.23]
    np.testing.assert_allclose(X[0], expected, rtol=1e-6)
    assert y[0] == pytest.approx(4.526)


@pytest.mark.parametrize("raw, match", [
    (b"1,2,3\n4,5,6\n", "expected rows of 9"),
    (b"a,b,c,d,e,f,g,h,i\n", "not the StatLib"),
    (b"1,2,3,4,5,6,0,8,9\n", "no households"),
])
def test_housing_bad_tables(raw, match):
    with pytest.raises(DataError, match=match):
        formats.read_housing_rows(raw, "table")
