"""A damaged cache never gives a traceback and is never used silently: the decoded image
cache is decoded again, damaged imports are a one-sentence DataError, and `data status`
says "damaged" instead of what the import once verified."""

import pytest
import torch

from dlcourse.data import folder
from dlcourse.data.cache import cache_dir
from dlcourse.data.formats import CIFAR_CLASSES, DataError
from dlcourse.data.loaders import load_housing, load_images
from tests.data import make
from tests.data.conftest import one_sentence


def rewrite(path, change):
    data = torch.load(path, weights_only=True)
    change(data)
    torch.save(data, path)


def drop_last_image(data):
    data["train_x"] = data["train_x"][:-1]


def flip_one_pixel(data):  # the checksum recorded at decode time is kept as it was
    data["test_x"][0, 0, 0, 0] ^= 1


DAMAGE = {
    "garbage bytes": lambda p: p.write_bytes(b"\x80\x02}q\x00" + b"garbage" * 50),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "a dict without the arrays": lambda p: torch.save({"classes": ["cat"]}, p),
    "not a dict": lambda p: torch.save(torch.zeros(3), p),
    "fewer images than labels": lambda p: rewrite(p, drop_last_image),
    "labels out of range": lambda p: rewrite(p, lambda d: d["test_y"].fill_(7)),
    "one pixel changed": lambda p: rewrite(p, flip_one_pixel),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_decoded_cache_is_decoded_again(tmp_path, damage):
    root = make.image_tree(tmp_path / "t")
    first = folder.load(root, tmp_path / "c")
    (cached,) = (tmp_path / "c" / "decoded").iterdir()
    damage(cached)
    again = folder.load(root, tmp_path / "c")
    assert [n.kind for n in again["notices"]] == ["repaired"]
    assert str(cached) in again["notices"][0].text
    for key in folder.TENSORS:
        assert torch.equal(again[key], first[key])
    assert folder.load(root, tmp_path / "c")["notices"] == [], "the cache was rewritten whole"


def test_a_lesson_on_an_imported_tree_survives_a_garbage_cache(cli, tmp_path, capsys):
    make.image_tree(tmp_path / "tree", classes=CIFAR_CLASSES, per_class=(2, 1), size=(32, 32))
    cli("data", "import", str(tmp_path / "tree"))
    (cached,) = (cache_dir() / "decoded").iterdir()
    cached.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    data = load_images("cifar10", offline=True)
    assert data.train_x.shape == (20, 3, 32, 32)
    assert [n.kind for n in data.notices] == ["repaired"]
    capsys.readouterr()


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # one line per data set in `data status`


@pytest.fixture
def imported_mnist(cli, tmp_path):
    cli("data", "import", str(make.mnist_files(tmp_path / "copied")))
    return cache_dir() / "MNIST"


def truncate(path):
    path.write_bytes(path.read_bytes()[:-100])


def mnist_row(cli):
    (row,) = [line for line in cli("data", "status").raw.splitlines() if "mnist" in line]
    return row


def test_status_says_damaged_for_a_truncated_mnist_file(cli, imported_mnist):
    assert "0 of 4 files have" in mnist_row(cli)
    truncate(imported_mnist / "raw" / "train-images-idx3-ubyte")
    row = mnist_row(cli)
    assert "damaged" in row and "format checked" not in row


def test_status_checks_the_files_the_loader_does_not_read(cli, imported_mnist):
    """The .gz copies are kept for torchvision; the checksums cover them too."""
    truncate(imported_mnist / "raw" / "train-images-idx3-ubyte.gz")
    assert "damaged" in mnist_row(cli)


def test_status_without_recorded_checksums_reads_the_files(cli, imported_mnist):
    """A folder that torchvision filled outside dlcourse has no checksums: read it."""
    for record in (".dlcourse.json", ".dlcourse.sha256"):
        (imported_mnist / record).unlink()
    assert "format checked" in mnist_row(cli)
    truncate(imported_mnist / "raw" / "t10k-labels-idx1-ubyte")
    assert "damaged" in mnist_row(cli)


def test_a_lesson_on_a_truncated_mnist_cache_gets_one_sentence(imported_mnist):
    truncate(imported_mnist / "raw" / "train-images-idx3-ubyte")
    with pytest.raises(DataError) as err:
        load_images("mnist", offline=True)
    message = str(err.value)
    assert "train-images-idx3-ubyte" in message and "truncated" in message
    assert "dlcourse data import PATH" in message and "dlcourse data download mnist" in message
    assert one_sentence(message)


def test_a_damaged_cifar_batch_in_the_cache_gets_one_sentence(cli, tmp_path):
    cli("data", "import", str(make.cifar_folder(tmp_path / "cifar-10-batches-py")))
    (cache_dir() / "cifar-10-batches-py" / "data_batch_3").write_bytes(b"\x80\x02garbage")
    with pytest.raises(DataError, match="data_batch_3.*dlcourse data download cifar10") as err:
        load_images("cifar10", offline=True)
    assert one_sentence(str(err.value))
    assert "damaged (data_batch_3): re-import" in cli("data", "status").output


def test_a_damaged_housing_table_gets_one_sentence(cli, tmp_path):
    (tmp_path / "cal_housing.data").write_bytes(make.housing_text(rows=20))
    cli("data", "import", str(tmp_path / "cal_housing.data"))
    (cache_dir() / "california_housing" / "cal_housing.data").write_bytes(b"1,2,3\n")
    with pytest.raises(DataError, match="dlcourse data download housing") as err:
        load_housing(offline=True)
    assert one_sentence(str(err.value))


@pytest.mark.parametrize("command", [["data", "status"], ["data", "path"],
                                     ["data", "download", "mnist"]])
def test_data_dir_that_is_a_file(cli, tmp_path, command):
    (tmp_path / "notes.txt").write_text("not a folder")
    out = cli(*command, "--data-dir", str(tmp_path / "notes.txt"), code=2).output
    assert "notes.txt (--data-dir) is a file, not a folder; pass a folder" in out
    assert "Traceback" not in out


def test_data_dir_that_is_a_file_for_a_lesson(tmp_path):
    (tmp_path / "notes.txt").write_text("not a folder")
    with pytest.raises(DataError, match="is a file") as err:
        load_images("mnist", data_dir=tmp_path / "notes.txt", offline=True)
    assert one_sentence(str(err.value))


def test_dlcourse_data_that_is_a_file(cli, tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("")
    monkeypatch.setenv("DLCOURSE_DATA", str(tmp_path / "notes.txt"))
    assert "(DLCOURSE_DATA) is a file" in cli("data", "status", code=2).output
