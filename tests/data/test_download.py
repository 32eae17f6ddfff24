"""Downloads through torchvision's and scikit-learn's own downloaders, against a loopback
HTTP server standing in for the official mirrors: success, progress, checksum failure,
no network, and the lesson-side fall-back to the bundled sample."""

import functools
import hashlib
import http.server
import threading
import time

import pytest
from rich.console import Console
from sklearn.datasets import _california_housing
from torchvision.datasets import CIFAR10, MNIST

from dlcourse.data import download as dl
from dlcourse.data.loaders import cache_dir, load_housing, load_images
from tests.data import make


@pytest.fixture
def mirror(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/mirror; yields (folder, base URL)."""
    root = tmp_path / "mirror"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


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


def test_a_lesson_downloads_when_the_cache_is_empty(mnist_mirror):
    data = load_images("mnist", console=Console(file=open("/dev/null", "w")))
    assert data.source == "download" and len(data.train_y) == 30


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
    console = Console(file=None, width=200)
    start = time.perf_counter()
    data = load_images("mnist", console=console)
    elapsed = time.perf_counter() - start
    out = capsys.readouterr().out
    assert data.source == "sample" and elapsed < 10
    assert out.count("No network") == 1 and "bundled MNIST sample" in out


def test_offline_never_probes_the_network(monkeypatch):
    monkeypatch.setattr(dl, "reachable", lambda *a, **k: pytest.fail("probed the network"))
    assert load_images("mnist", offline=True, console=Console(quiet=True)).source == "sample"


def test_download_command_without_network(cli, monkeypatch):
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])
    out = cli("data", "download", "mnist", code=2).output
    assert "No network" in out and "dlcourse data import" in out


def test_unknown_data_set(cli):
    assert "choose one of mnist, cifar10, housing, all" in cli("data", "download", "svhn",
                                                              code=2).output
