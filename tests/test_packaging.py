"""The wheel carries lessons/ and assets/, and the loader finds them installed and in a checkout."""

import subprocess
import sys
import zipfile

import pytest

from dlcourse.course import catalog
from tests.conftest import REPO


def test_checkout_loader_finds_the_repo_lessons():
    assert catalog.lessons_dir() == REPO / "lessons"
    assert catalog.assets_dir() == REPO / "assets"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(REPO)], check=True, capture_output=True)
    return next(out.glob("dlcourse-*.whl"))


def test_wheel_contains_the_catalogue_and_every_text(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "dlcourse/_lessons/catalog.toml" in names
    for kind in ("lesson", "topic"):
        for entry in catalog.load()[kind].values():
            assert f"dlcourse/_lessons/{entry.text}" in names
            assert f"dlcourse/_lessons/{entry.quiz}" in names


def test_installed_wheel_finds_its_packaged_lessons(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import dlcourse, dlcourse.course.catalog as c; print(dlcourse.__file__); "
            "print(c.lessons_dir()); print(len(c.load()['topic']))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env={"PYTHONPATH": str(site)}, check=True).stdout
    module_file, lessons_dir, topics = out.split()
    assert module_file.startswith(str(site)) and lessons_dir == str(site / "dlcourse/_lessons")
    assert int(topics) == len(catalog.load()["topic"])
