"""Image-folder trees: shapes, labels, resizing, the decoded cache, and broken trees."""

import os
import time

import pytest
import torch

from dlcourse.data import folder
from dlcourse.data.formats import DataError
from tests.data import make


def test_tree_loads_as_uint8_tensors_resized(tmp_path):
    root = make.image_tree(tmp_path / "t", size=(40, 30))
    data = folder.load(root, tmp_path / "cache", size=(32, 32), channels=3)
    assert data["train_x"].shape == (12, 3, 32, 32) and data["train_x"].dtype == torch.uint8
    assert data["train_y"].tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert data["test_x"].shape == (6, 3, 32, 32) and data["classes"] == ["cat", "dog", "fox"]
    # every pixel of an image had one value; resizing a flat image keeps it
    assert data["train_x"][5].unique().tolist() == [20 + 1]


def test_grayscale_for_one_channel(tmp_path):
    data = folder.load(make.image_tree(tmp_path / "t"), tmp_path / "c", size=(28, 28),
                       channels=1)
    assert data["test_x"].shape == (6, 1, 28, 28)


def test_second_load_comes_from_the_cache(tmp_path, monkeypatch):
    root = make.image_tree(tmp_path / "t")
    first = folder.load(root, tmp_path / "c")
    monkeypatch.setattr(folder, "decode_tree", lambda *a, **k: pytest.fail("decoded again"))
    second = folder.load(root, tmp_path / "c")
    assert torch.equal(first["train_x"], second["train_x"])


def test_a_changed_tree_is_decoded_again(tmp_path):
    root = make.image_tree(tmp_path / "t")
    folder.load(root, tmp_path / "c")
    path = root / "train" / "cat" / "0000.png"
    later = time.time() + 5
    os.utime(path, (later, later))
    assert len(list((tmp_path / "c" / "decoded").iterdir())) == 1
    folder.load(root, tmp_path / "c")
    assert len(list((tmp_path / "c" / "decoded").iterdir())) == 2


def test_files_that_do_not_decode_are_skipped_and_counted(tmp_path):
    root = make.image_tree(tmp_path / "t")
    (root / "train" / "dog" / "broken.jpg").write_bytes(b"not a jpeg at all")
    data = folder.load(root, tmp_path / "c")
    assert len(data["skipped"]) == 1 and data["train_x"].shape[0] == 12


def test_bmp_goes_through_pillow(tmp_path):
    data = folder.load(make.image_tree(tmp_path / "t", fmt="bmp"), tmp_path / "c")
    assert data["train_x"].shape == (12, 3, 32, 32)


@pytest.mark.parametrize("damage, match", [
    (lambda r: __import__("shutil").rmtree(r / "test"), "has no test/ folder"),
    (lambda r: [p.unlink() for p in (r / "train" / "dog").iterdir()], "holds no images"),
    (lambda r: (r / "test" / "wolf").mkdir(), "classes that train/ lacks: wolf"),
    (lambda r: [__import__("shutil").rmtree(r / "train" / c) for c in ("dog", "fox")],
     "at least two class folders"),
])
def test_broken_trees(tmp_path, damage, match):
    root = make.image_tree(tmp_path / "t")
    damage(root)
    with pytest.raises(DataError, match=match):
        folder.scan(root)


def test_every_file_broken(tmp_path):
    root = make.image_tree(tmp_path / "t")
    for p in root.rglob("*.png"):
        p.write_bytes(b"garbage")
    with pytest.raises(DataError, match="could be decoded"):
        folder.load(root, tmp_path / "c")
