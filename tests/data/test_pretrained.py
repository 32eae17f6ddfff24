"""Pretrained weights through the data layer: imported or downloaded into torch's hub cache,
checked against the sha256 prefix in their name, loaded as a state dict. All offline: the
"downloads" come from a loopback server, the weights are a tiny generated file."""

from types import SimpleNamespace

import pytest
import torch

from dlcourse.data import pretrained
from dlcourse.data.formats import DataError
from dlcourse.data.loaders import load_pretrained
from dlcourse.data.notices import DOWNLOADING
from tests.data import make
from tests.data.conftest import one_sentence


def as_weights(url: str):
    """What load_pretrained reads from a torchvision WeightsEnum member."""
    return SimpleNamespace(url=url, meta={})


def test_import_puts_weights_where_torch_looks(cli, tmp_path, torch_home):
    file = make.weights_file(tmp_path / "usb")
    out = cli("data", "import", str(file)).output
    assert f"Imported the pretrained weights {file.name}" in out and "sha256 matches" in out
    assert (torch_home / file.name).read_bytes() == file.read_bytes()
    state = load_pretrained(as_weights(f"https://example.invalid/{file.name}"), offline=True)
    assert torch.equal(state["conv.bias"], torch.ones(2))


def test_a_damaged_copy_is_refused_and_changes_nothing(cli, tmp_path, torch_home):
    file = make.weights_file(tmp_path / "usb")
    file.write_bytes(file.read_bytes()[:-10])
    out = cli("data", "import", str(file), code=2).output
    assert "does not match the sha256 prefix in its name" in out and "copy it again" in out
    assert not torch_home.exists() or not list(torch_home.iterdir())


def test_a_renamed_file_is_refused(cli, tmp_path, torch_home):
    file = make.weights_file(tmp_path / "usb")
    out = cli("data", "import", str(file.rename(file.with_name("vgg16.pth"))), code=2).output
    assert "NAME-HASH.pth" in out and "original name" in out


def test_vgg16_offline_without_a_copy_says_what_to_do(torch_home):
    from torchvision.models import VGG16_Weights

    with pytest.raises(DataError) as err:
        load_pretrained(VGG16_Weights.IMAGENET1K_V1, offline=True)
    message = str(err.value)
    assert "vgg16-397923af.pth" in message and "--source animals" in message
    assert "dlcourse data import vgg16-397923af.pth" in message and one_sentence(message)


def test_no_network_is_the_same_sentence(monkeypatch, torch_home):
    monkeypatch.setattr(pretrained, "reachable", lambda *a, **k: False)
    with pytest.raises(DataError, match="no network.*--source animals"):
        load_pretrained(as_weights("https://example.invalid/tiny-0123abcd.pth"))


def test_download_reports_bytes_and_lands_in_the_cache(mirror, torch_home, capsys):
    root, url = mirror
    file = make.weights_file(root)
    reports = []
    state = load_pretrained(as_weights(url + file.name),
                            progress=lambda *report: reports.append(report))
    assert torch.equal(state["conv.weight"], torch.arange(6.0).reshape(2, 3))
    assert reports[-1] == (DOWNLOADING + file.name, file.stat().st_size, file.stat().st_size)
    assert (torch_home / file.name).is_file()
    assert capsys.readouterr() == ("", "")


def test_a_download_that_does_not_match_its_hash_is_not_kept(mirror, torch_home):
    root, url = mirror
    file = make.weights_file(root)
    wrong = file.rename(root / "tiny-00000000.pth")
    with pytest.raises(DataError, match="does not match the sha256 prefix") as err:
        load_pretrained(as_weights(url + wrong.name))
    assert one_sentence(str(err.value))
    assert list(torch_home.iterdir()) == [], "no partial or bad file is left behind"


def test_damaged_weights_in_the_cache_are_a_sentence_not_a_traceback(tmp_path, torch_home):
    file = make.weights_file(tmp_path / "usb")
    torch_home.mkdir(parents=True)
    (torch_home / file.name).write_bytes(file.read_bytes()[: file.stat().st_size // 2])
    with pytest.raises(DataError, match="damaged") as err:
        load_pretrained(as_weights(f"https://example.invalid/{file.name}"), offline=True)
    assert f"dlcourse data import {file.name}" in str(err.value)
    assert one_sentence(str(err.value))
