"""`dlcourse data import`: each accepted form, verification, and atomic failure."""

import shutil
import tarfile
import zipfile

import pytest
from torchvision.datasets import CIFAR10, MNIST

from dlcourse import i18n
from dlcourse.data.loaders import cache_dir, load_housing, load_images
from tests.data import make


@pytest.fixture
def cache(tmp_path):
    return cache_dir()  # DLCOURSE_DATA points into tmp_path (conftest)


def snapshot(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_mnist_folder_of_gz_files(cli, tmp_path, cache):
    make.mnist_files(tmp_path / "copied", n_train=30, n_test=10)
    out = cli("data", "import", str(tmp_path / "copied")).output
    assert "30 training and 10 test images" in out and "0 of 4 files have the official md5" in out
    data = load_images("mnist", offline=True)
    assert data.source == "cache" and data.train_x.shape == (30, 1, 28, 28)
    assert (cache / "MNIST" / "raw" / "train-images-idx3-ubyte").is_file()  # torchvision reads it


def test_mnist_official_md5_is_recognised(cli, tmp_path, monkeypatch):
    folder = make.mnist_files(tmp_path / "copied")
    monkeypatch.setattr(MNIST, "resources", [(p.name, make.md5(p)) for p in folder.iterdir()])
    assert "md5 = official" in cli("data", "import", str(folder)).output


def test_mnist_full_size_with_wrong_md5_is_refused(cli, tmp_path, cache):
    folder = make.mnist_files(tmp_path / "copied", n_test=10_000)  # official test-set size
    out = cli("data", "import", str(folder), code=2).output
    assert "has the official file's name and size but not its md5" in " ".join(out.split())
    assert not (cache / "MNIST").exists()


def test_one_mnist_file_asks_for_the_folder(cli, tmp_path):
    folder = make.mnist_files(tmp_path / "copied")
    out = cli("data", "import", str(folder / "train-images-idx3-ubyte.gz"), code=2).output
    assert "needs all four" in out


def test_cifar_archive_with_the_official_md5(cli, tmp_path, monkeypatch, cache):
    batches = make.cifar_folder(tmp_path / "src" / "cifar-10-batches-py")
    archive = make.tar_gz(tmp_path / "cifar-10-python.tar.gz", batches, "cifar-10-batches-py")
    monkeypatch.setattr(CIFAR10, "tgz_md5", make.md5(archive))
    out = cli("data", "import", str(archive)).output
    assert "100 training and 20 test images" in out and "md5 = official" in out
    assert load_images("cifar10", offline=True).train_x.shape == (100, 3, 32, 32)


def test_cifar_extracted_folder(cli, tmp_path):
    batches = make.cifar_folder(tmp_path / "cifar-10-batches-py")
    assert "md5 differs" in cli("data", "import", str(batches)).output


def test_housing_tgz_and_data_file(cli, tmp_path, cache):
    text = make.housing_text(rows=50)
    cli("data", "import", str(make.housing_tgz(tmp_path / "cal_housing.tgz", text)))
    assert load_housing(offline=True).X.shape == (50, 8)
    (tmp_path / "cal_housing.data").write_bytes(make.housing_text(rows=70))
    assert "70 rows" in cli("data", "import", str(tmp_path / "cal_housing.data")).output
    assert load_housing(offline=True).source == "cache"


@pytest.mark.parametrize("pack", ["folder", "tar", "zip"])
def test_image_tree_in_every_packing(cli, tmp_path, cache, pack):
    root = make.image_tree(tmp_path / "pets")
    target = root
    if pack == "tar":
        target = make.tar_gz(tmp_path / "pets.tar.gz", root, "pets")
    elif pack == "zip":
        target = tmp_path / "pets.zip"
        with zipfile.ZipFile(target, "w") as zf:
            for p in root.rglob("*.png"):
                zf.write(p, p.relative_to(tmp_path))
    out = cli("data", "import", str(target)).output
    assert "12 training and 6 test images" in out
    assert (cache / "folders" / "pets" / "train" / "cat").is_dir()
    assert "pets (--data)" in cli("data", "status").output


def test_a_cifar_class_tree_becomes_cifar10(cli, tmp_path, cache):
    from dlcourse.data.formats import CIFAR_CLASSES

    make.image_tree(tmp_path / "tree", classes=CIFAR_CLASSES, per_class=(2, 1), size=(32, 32))
    cli("data", "import", str(tmp_path / "tree"))
    data = load_images("cifar10", offline=True)
    assert data.train_x.shape == (20, 3, 32, 32) and data.classes == CIFAR_CLASSES


def test_archive_members_that_escape_are_refused(cli, tmp_path, cache):
    evil = tmp_path / "evil.tar.gz"
    payload = tmp_path / "payload.txt"
    payload.write_text("x")
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(payload, arcname="../../escaped.txt")
    out = cli("data", "import", str(evil), code=2).output
    assert "outside" in out and not (tmp_path.parent / "escaped.txt").exists()


def test_zip_members_that_escape_are_refused(cli, tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../escaped.txt", "x")
    assert "outside" in cli("data", "import", str(evil), code=2).output


@pytest.mark.parametrize("damage", ["truncated", "garbage", "not-an-archive"])
def test_broken_archives_fail_cleanly_and_change_nothing(cli, tmp_path, cache, damage):
    make.mnist_files(tmp_path / "good")
    cli("data", "import", str(tmp_path / "good"))
    before = snapshot(cache)
    batches = make.cifar_folder(tmp_path / "src" / "cifar-10-batches-py")
    archive = make.tar_gz(tmp_path / "cifar-10-python.tar.gz", batches, "cifar-10-batches-py")
    raw = archive.read_bytes()
    archive.write_bytes({"truncated": raw[: len(raw) // 2], "garbage": raw[:100] + b"\0" * 5000,
                         "not-an-archive": b"hello"}[damage])
    result = cli("data", "import", str(archive), code=2)
    assert "Traceback" not in result.output
    assert snapshot(cache) == before


def test_corrupt_idx_inside_a_folder(cli, tmp_path, cache):
    folder = make.mnist_files(tmp_path / "m", gz=False)
    (folder / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x09\x99" + b"\0" * 40)
    assert "magic number" in cli("data", "import", str(folder), code=2).output
    assert snapshot(cache) == []


def test_a_folder_with_nothing_importable(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    assert "nothing dlcourse can import" in cli("data", "import", str(tmp_path / "empty"),
                                               code=2).output


def test_unwritable_cache(cli, tmp_path, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("DLCOURSE_DATA", str(tmp_path / "file" / "cache"))
    make.mnist_files(tmp_path / "m")
    out = cli("data", "import", str(tmp_path / "m"), code=2).output
    assert "Cannot write to the data cache" in out


def test_reimport_replaces_in_one_step(cli, tmp_path, cache):
    make.mnist_files(tmp_path / "a", n_train=30)
    make.mnist_files(tmp_path / "b", n_train=40)
    cli("data", "import", str(tmp_path / "a"))
    cli("data", "import", str(tmp_path / "b"))
    assert load_images("mnist", offline=True).train_x.shape[0] == 40
    assert not [p for p in cache.iterdir() if p.name.startswith(".")], "no staging left over"


def test_missing_path(cli, tmp_path):
    assert "does not exist" in cli("data", "import", str(tmp_path / "nope"), code=2).output


def test_shutil_is_used_for_copies_not_moves(cli, tmp_path):
    """Importing a folder copies it: the teacher's files stay where they were."""
    root = make.image_tree(tmp_path / "pets")
    cli("data", "import", str(root))
    assert (root / "train" / "cat" / "0000.png").is_file()
    shutil.rmtree(root)


def test_what_an_import_verified_is_said_in_korean(cli, tmp_path):
    batches = make.cifar_folder(tmp_path / "cifar-10-batches-py")
    out = cli("data", "import", str(batches), "--lang", "ko").output
    assert "가져오기 완료" in out and "md5 differs" not in out
    assert i18n.catalogue("ko")["data.verified.md5_differs"] in out
