"""Imports run one way: command line -> runner -> lessons -> engine -> data, plots, devices."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dlcourse"
# a module may import from its own layer and the layers after it, never from one before
LAYERS = [
    ("dlcourse.cli", "dlcourse.__main__"),
    ("dlcourse.course", "dlcourse.exercises"),
    ("dlcourse.lessons",),
    ("dlcourse.engine", "dlcourse.topics"),
    ("dlcourse.data", "dlcourse.plots", "dlcourse.device", "dlcourse.errors",
     "dlcourse.fileio", "dlcourse.i18n"),
]


def layer_of(module: str) -> int:
    for i, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def dlcourse_imports(path: Path) -> set[str]:
    """Every dlcourse module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("dlcourse")}
        elif isinstance(node, ast.ImportFrom) and node.module == "dlcourse":
            found |= {f"dlcourse.{a.name}" for a in node.names if is_module(a.name)}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dlcourse."):
            found.add(node.module)
    return found


def is_module(name: str) -> bool:
    """`from dlcourse import X`: a submodule, or an attribute such as __version__?"""
    return (PACKAGE / f"{name}.py").is_file() or (PACKAGE / name).is_dir()


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "_lessons" not in p.parts)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: module_name(p))
def test_no_module_imports_a_layer_above_its_own(path):
    me = module_name(path)
    upward = [m for m in dlcourse_imports(path) if m != "dlcourse" and layer_of(m) < layer_of(me)]
    assert not upward, f"{me} imports {upward}, which sit above it"


def test_the_layer_check_sees_a_lazy_upward_import(tmp_path):
    bad = PACKAGE / "engine" / "loop.py"
    source = bad.read_text() + "\n\ndef f():\n    from dlcourse.course import runner\n"
    copy = tmp_path / "loop.py"
    copy.write_text(source)
    assert "dlcourse.course" in dlcourse_imports(copy)


def test_engine_and_data_load_nothing_of_the_runner_renderer_or_lessons():
    code = ("import sys\n"
            "import dlcourse.engine.fit, dlcourse.engine.recipes, dlcourse.engine.augment\n"
            "import dlcourse.engine.checkpoint, dlcourse.data.loaders, dlcourse.data.importer\n"
            "print(sorted(m for m in sys.modules if m.startswith(('dlcourse.course', "
            "'dlcourse.lessons', 'dlcourse.cli', 'rich'))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.strip() == "[]", out
