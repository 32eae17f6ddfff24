"""`dlcourse explain pytorch-style`: shows the pieces of a real program without importing torch.

The code comes from pytorch_style_example.py, read as text (ast), so the page starts
instantly and shows exactly what the test suite runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

EXAMPLE = Path(__file__).with_name("pytorch_style_example.py")


def definitions() -> dict[str, str]:
    """{name: source} of each top-level class and function in the example."""
    source = EXAMPLE.read_text(encoding="utf-8")
    tree = ast.parse(source)
    return {node.name: ast.get_source_segment(source, node, padded=True)
            for node in tree.body if isinstance(node, ast.ClassDef | ast.FunctionDef)}


def values() -> dict:
    d = definitions()
    return {
        "dataset": d["Circles"],
        "module": d["Net"],
        "loop": d["train"] + "\n\n\n" + d["accuracy"],
        "main": d["main"],
    }
