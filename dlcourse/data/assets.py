"""Where the bundled data sample lives: inside the wheel, or in the checkout's assets/."""

from __future__ import annotations

import importlib.resources
from pathlib import Path


def assets_dir() -> Path:
    packaged = importlib.resources.files("dlcourse") / "_assets"  # the wheel's force-include
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "assets"
