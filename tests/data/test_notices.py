"""The data layer returns what happened and the presentation shows it: loaders print
nothing and import nothing from the layers above; data_view draws notices and progress."""

import io
import subprocess
import sys

from rich.console import Console
from rich.progress import Progress

from dlcourse.course import data_view
from dlcourse.data.assets import assets_dir
from dlcourse.data.loaders import load_housing, load_images
from dlcourse.data.notices import DOWNLOADING, Notice
from tests.conftest import REPO
from tests.data import make


def test_the_data_layer_stands_alone():
    """Importing and using the loaders pulls in no rich and nothing from course, lessons or
    the engine (the same code runs where the data layer is used without a terminal)."""
    code = (
        "import sys\n"
        "from dlcourse.data import importer, loaders, pretrained, status\n"
        "loaders.load_images('mnist', offline=True)\n"
        "loaders.load_housing(offline=True)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'rich' or "
        "m.startswith(('dlcourse.course', 'dlcourse.lessons', 'dlcourse.engine'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


def test_the_sample_comes_with_a_notice_and_no_output(capsys):
    data = load_images("mnist", offline=True)
    (notice,) = data.notices
    assert notice.kind == "sample" and "10,000 training and 2,000 test images" in notice.text
    assert "dlcourse data download mnist" in notice.text
    housing = load_housing(offline=True)
    assert [n.kind for n in housing.notices] == ["bundled"]
    assert capsys.readouterr() == ("", "")


def test_a_tree_reports_decoding_and_skipped_files_without_printing(tmp_path, capsys):
    root = make.image_tree(tmp_path / "t")
    (root / "train" / "dog" / "broken.jpg").write_bytes(b"not a jpeg at all")
    reports = []
    data = load_images("cifar10", data=root, progress=lambda *r: reports.append(r))
    assert reports[-1] == ("Decoding 19 images (once; cached after)", 19, 19)
    assert [n.kind for n in data.notices] == ["skipped"] and "broken.jpg" in data.notices[0].text
    assert [n.kind for n in load_images("cifar10", data=root).notices] == ["skipped"]
    assert capsys.readouterr() == ("", "")


def test_show_notices_draws_the_sample_panel_and_warnings():
    out = io.StringIO()
    data = load_images("mnist", offline=True)
    data.notices.append(Notice("skipped", "Skipped 1 files that are not images, e.g. [x].jpg."))
    data_view.show_notices(Console(file=out, width=100), data)
    shown = " ".join(out.getvalue().split())
    assert "sample data" in shown and "Using the bundled MNIST sample" in shown
    assert "e.g. [x].jpg." in shown, "notice text is not read as rich markup"


def test_progress_draws_bytes_for_downloads_and_counts_otherwise():
    bars = Progress()
    download = bars.add_task("vgg16-397923af.pth", total=553_433_881, completed=250_000_000,
                             download=True)
    decode = bars.add_task("Decoding 60,000 images", total=60_000, completed=30_000)
    amount = data_view._Amount()
    assert str(amount.render(bars.tasks[download])) == "250.0/553.4 MB"
    assert str(amount.render(bars.tasks[decode])) == "30000/60000"


def test_progress_callback_feeds_one_bar_per_step():
    console = Console(file=io.StringIO(), width=120, force_terminal=True)
    with data_view.progress(console) as progress:
        for done in range(0, 60_001, 20_000):
            progress("Decoding 60,000 images", done, 60_000)
        progress(DOWNLOADING + "x.pth", 10, None)  # no Content-Length: an open-ended bar
    assert "Decoding 60,000 images" in console.file.getvalue()


def test_the_data_layer_finds_the_bundled_sample_itself():
    assert assets_dir() == REPO / "assets"  # a checkout; the wheel has dlcourse/_assets
    assert (assets_dir() / "mnist" / "t10k-labels-idx1-ubyte.gz").is_file()


def test_download_bars_are_named_in_the_active_language():
    from dlcourse import i18n

    assert data_view.label(DOWNLOADING + "x.pth") == "Downloading x.pth"
    i18n.set_language("ko")
    try:
        assert data_view.label(DOWNLOADING + "x.pth") == "x.pth 내려받는 중"
        assert data_view.label("압축 푸는 중") == "압축 푸는 중"
    finally:
        i18n.set_language(None)
