"""Downloads through torchvision's and scikit-learn's own downloaders, against a loopback
HTTP server standing in for the official mirrors: success, progress, checksum failure,
no network, and the lesson-side fall-back to the bundled sample."""

import hashlib
import io
import time

import pytest
from rich.console import Console
from sklearn.datasets import _california_housing
from torchvision.datasets import CIFAR10, MNIST

from dlcourse.course import data_view
from dlcourse.data import download as dl
from dlcourse.data.loaders import cache_dir, load_housing, load_images
from dlcourse.data.notices import DOWNLOADING
from tests.data import make


@pytest.fixture
def mnist_mirror(mirror, monkeypatch):
    root, url = mirror
    make.mnist_files(root, n_train=30, n_test=10)
    monkeypatch.setattr(MNIST, "mirrors", [url])
    monkeypatch.setattr(MNIST, "resources", [(p.name, make.md5(p)) for p in sorted(root.iterdir())])
    return root


def test_mnist_download_with_progress(cli, mnist_mirror):
    out = cli("data", "download", "mnist").output
    assert "Downloading MNIST (about 11 MB)" in out
    data = load_images("mnist", offline=True)
    assert data.train_x.shape == (30, 1, 28, 28) and data.source == "cache"
    assert "checksum = official" in cli("data", "status").output


def test_mnist_checksum_failure_changes_nothing(cli, mnist_mirror, monkeypatch):
    monkeypatch.setattr(MNIST, "resources", [(name, "0" * 32) for name, _ in MNIST.resources])
    out = cli("data", "download", "mnist", code=2).output
    assert "Downloading MNIST failed" in out and "cache was left as it was" in out
    assert not (cache_dir() / "MNIST").exists()
    assert [p.name for p in cache_dir().iterdir()] == []


def test_a_lesson_downloads_when_the_cache_is_empty(mnist_mirror, capsys):
    reports = []
    data = load_images("mnist", progress=lambda *report: reports.append(report))
    assert data.source == "download" and len(data.train_y) == 30
    assert [n.kind for n in data.notices] == ["downloaded"]
    assert "Downloaded MNIST (about 11 MB) into" in data.notices[0].text
    what, done, total = reports[-1]  # bytes, file by file, as the mirror sends them
    assert what == DOWNLOADING + "train-labels-idx1-ubyte.gz"
    assert done == total == (mnist_mirror / "train-labels-idx1-ubyte.gz").stat().st_size
    assert capsys.readouterr() == ("", "")


def test_cifar10_download(cli, mirror, monkeypatch):
    root, url = mirror
    batches = make.cifar_folder(root / "src" / "cifar-10-batches-py", per_batch=10)
    archive = make.tar_gz(root / "cifar-10-python.tar.gz", batches, "cifar-10-batches-py")
    monkeypatch.setattr(CIFAR10, "url", url + "cifar-10-python.tar.gz")
    monkeypatch.setattr(CIFAR10, "tgz_md5", make.md5(archive))
    monkeypatch.setattr(CIFAR10, "train_list", [[f"data_batch_{i}", make.md5(
        batches / f"data_batch_{i}")] for i in range(1, 6)])
    monkeypatch.setattr(CIFAR10, "test_list", [["test_batch", make.md5(batches / "test_batch")]])
    monkeypatch.setitem(CIFAR10.meta, "md5", make.md5(batches / "batches.meta"))
    cli("data", "download", "cifar10")
    assert load_images("cifar10", offline=True).train_x.shape == (50, 3, 32, 32)
    assert not (cache_dir() / "cifar-10-python.tar.gz").exists(), "the archive is not kept"


def test_housing_download_through_scikit_learn(cli, mirror, monkeypatch):
    root, url = mirror
    archive = make.housing_tgz(root / "cal_housing.tgz", make.housing_text(rows=40))
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    monkeypatch.setattr(_california_housing, "ARCHIVE", _california_housing.RemoteFileMetadata(
        filename="cal_housing.tgz", url=url + "cal_housing.tgz", checksum=sha))
    cli("data", "download", "housing")
    data = load_housing(offline=True)
    assert data.X.shape == (40, 8) and data.source == "cache"


def test_no_network_falls_back_to_the_sample_in_one_line(monkeypatch, capsys):
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])  # discard port: refused
    start = time.perf_counter()
    data = load_images("mnist")
    elapsed = time.perf_counter() - start
    assert data.source == "sample" and elapsed < 10
    assert [n.kind for n in data.notices] == ["offline", "sample"]
    assert capsys.readouterr() == ("", ""), "the data layer never prints"
    out = io.StringIO()
    data_view.show_notices(Console(file=out, width=200), data)
    shown = out.getvalue()
    assert shown.count("No network") == 1 and "bundled MNIST sample" in shown
    assert "sample data" in shown


def test_offline_never_probes_the_network(monkeypatch):
    monkeypatch.setattr(dl, "reachable", lambda *a, **k: pytest.fail("probed the network"))
    assert load_images("mnist", offline=True).source == "sample"


def test_download_command_without_network(cli, monkeypatch):
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])
    out = cli("data", "download", "mnist", code=2).output
    assert "No network" in out and "dlcourse data import" in out


def test_unknown_data_set(cli):
    assert "choose one of mnist, cifar10, housing, all" in cli("data", "download", "svhn",
                                                              code=2).output
