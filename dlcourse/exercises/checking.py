"""What the exercise checks use: a short teaching error, comparisons that describe what
they saw, and a seeded stream of random cases.

A check file defines `check(learner)`: it calls the learner's functions on many random
inputs, compares them with a reference written in the check, and raises `Mismatch` at the
first difference. The messages are for a learner: what was expected, what came back, and
for which input, in a line or two.

This module runs only inside the check's process; torch is imported inside the functions
that need it, so importing it costs nothing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

from dlcourse.i18n import msg


class Mismatch(Exception):
    """The learner's code ran but did the wrong thing; str() is the message they see:
    'what: expected X, got Y', then '  for EXAMPLE' (the input it happened on) and/or a
    short note (what to look at)."""

    def __init__(self, what: str, expected=None, got=None, example=None, note=None):
        super().__init__(what)
        self.what, self.expected, self.got = what, expected, got
        self.example, self.note = example, note

    def __str__(self) -> str:
        if self.expected is None and self.got is None:
            lines = [self.what]
        else:
            lines = [msg("exercises.check.mismatch", what=self.what, expected=self.expected,
                         got=self.got)]
        if self.example:
            lines.append("  " + msg("exercises.check.for_example", example=self.example))
        if self.note:
            lines.append(f"  {self.note}")
        return "\n".join(lines)


class NotStarted(Exception):
    """The learner's function still raises NotImplementedError: nothing to check yet."""


# --- describing values in a few words -------------------------------------------------------
def describe(value, limit: int = 4) -> str:
    """A compact description: 'tensor (3, 4) float32 [0.12, -0.5, ...]', '0.25', 'a list'."""
    import torch

    if isinstance(value, torch.Tensor):
        flat = value.detach().flatten()
        shown = ", ".join(_number(v) for v in flat[:limit].tolist())
        more = ", ..." if flat.numel() > limit else ""
        dtype = str(value.dtype).removeprefix("torch.")
        return f"tensor {tuple(value.shape)} {dtype} [{shown}{more}]"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return _number(value)
    if isinstance(value, list | tuple) and len(value) <= limit:
        return repr(value)
    if isinstance(value, str | bool) or value is None:
        return repr(value)
    return msg("exercises.check.an_object", type=type(value).__name__)


def values(t, limit: int = 6) -> str:
    """A tensor's first values in short form: '[0.123, -4.5, 7]'."""
    flat = t.detach().flatten().tolist()
    shown = ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in flat[:limit])
    return f"[{shown}{', ...' if len(flat) > limit else ''}]"


def _number(v) -> str:
    if isinstance(v, bool) or not isinstance(v, float):
        return str(v)
    return f"{v:.6g}"


def shape_of(value) -> str:
    if hasattr(value, "shape"):
        return str(tuple(value.shape))
    return msg("exercises.check.an_object", type=type(value).__name__)


# --- comparisons ----------------------------------------------------------------------------
def expect_true(what: str, condition: bool, message: str) -> None:
    """Raise Mismatch('what: message') unless condition holds."""
    if not condition:
        raise Mismatch(f"{what}: {message}")


def expect_equal(what: str, got, expected, example=None, note=None) -> None:
    """Exact equality, of plain values or of whole tensors."""
    import torch

    if isinstance(expected, torch.Tensor):
        expect_tensor(what, got)
        expect_shape(what, got, tuple(expected.shape), example=example)
        if not torch.equal(got.to(expected.dtype), expected):
            i = _first_bad(got.to(expected.dtype) != expected)
            raise Mismatch(_at(what, i), _number(expected[i].item()),
                           _number(got[i].item()), example, note)
        return
    if got != expected:
        raise Mismatch(what, describe(expected), describe(got), example, note)


def expect_tensor(what: str, got) -> None:
    import torch

    if not isinstance(got, torch.Tensor):
        raise Mismatch(what, msg("exercises.check.a_tensor"), describe(got))


def expect_shape(what: str, got, shape, example=None) -> None:
    expect_tensor(what, got)
    if tuple(got.shape) != tuple(shape):
        raise Mismatch(msg("exercises.check.shape_of", what=what), str(tuple(shape)),
                       str(tuple(got.shape)), example)


def expect_dtype(what: str, got, dtype, example=None) -> None:
    expect_tensor(what, got)
    if got.dtype != dtype:
        name = str(dtype).removeprefix("torch.")
        raise Mismatch(msg("exercises.check.dtype_of", what=what), name,
                       str(got.dtype).removeprefix("torch."), example)


def expect_close(what: str, got, expected, *, rtol: float = 1e-5, atol: float = 1e-8,
                 example=None, note=None) -> None:
    """Tensors (or numbers) equal within tolerance; a message names the first bad entry."""
    import torch

    if not isinstance(expected, torch.Tensor):  # plain numbers
        if not isinstance(got, int | float) and not (
                isinstance(got, torch.Tensor) and got.numel() == 1):
            raise Mismatch(what, msg("exercises.check.a_number_like",
                                     number=_number(float(expected))), describe(got),
                           example, note)
        got = float(got)
        if not math.isclose(got, float(expected), rel_tol=rtol, abs_tol=atol):
            raise Mismatch(what, _number(float(expected)), _number(got), example, note)
        return
    expect_shape(what, got, tuple(expected.shape), example=example)
    if not got.dtype.is_floating_point and expected.dtype.is_floating_point:
        raise Mismatch(msg("exercises.check.dtype_of", what=what),
                       msg("exercises.check.a_float_tensor"),
                       str(got.dtype).removeprefix("torch."), example)
    got = got.detach().to(expected.dtype)
    expected = expected.detach()
    bad = ~torch.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=False)
    if bad.any():
        i = _first_bad(bad)
        raise Mismatch(_at(what, i), _number(expected[i].item()), _number(got[i].item()),
                       example, note)


def _first_bad(bad) -> tuple[int, ...]:
    """The index of the first True entry of a boolean tensor (() for a 0-d one)."""
    return () if bad.ndim == 0 else tuple(bad.nonzero()[0].tolist())


def _at(what: str, index: tuple[int, ...]) -> str:
    """`what`, or its entry at `index`: 'relu(x) at [0, 2]'."""
    if not index:
        return what
    return msg("exercises.check.entry_at", what=what, index=", ".join(map(str, index)))


# --- the learner's module -------------------------------------------------------------------
def function(learner: ModuleType, name: str) -> Callable:
    """The learner's `name`, wrapped so that NotImplementedError becomes NotStarted."""
    found = getattr(learner, name, None)
    if found is None:
        raise Mismatch(msg("exercises.check.not_defined", name=name))
    if not callable(found):
        raise Mismatch(f"`{name}`", msg("exercises.check.a_function"), describe(found))

    def call(*args, **kwargs):
        try:
            return found(*args, **kwargs)
        except NotImplementedError as err:
            raise NotStarted(f"`{name}` still raises NotImplementedError") from err

    call.__name__ = name
    call.learner = found
    return call


def reference(file: str) -> ModuleType:
    """The reference solution `lessons/exercises/solutions/<file>`, imported as a module."""
    from dlcourse.course.catalog import lessons_dir

    path = lessons_dir() / "exercises" / "solutions" / file
    return load_module(path, f"_reference_{Path(file).stem}")


def load_module(path: Path, name: str) -> ModuleType:
    """Import a Python file as a module named `name` (not added to sys.modules)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- random cases ---------------------------------------------------------------------------
class Case:
    """One random case: draws sizes and tensors from its own seeded generator."""

    def __init__(self, index: int, generator):
        self.index = index
        self.generator = generator

    def int(self, low: int, high: int) -> int:
        """A whole number in [low, high], both ends included."""
        import torch

        return int(torch.randint(low, high + 1, (), generator=self.generator))

    def float(self, low: float, high: float) -> float:
        import torch

        return low + (high - low) * float(torch.rand((), generator=self.generator))

    def log_float(self, low: float, high: float) -> float:
        """A positive number spread evenly in log scale (a learning rate, a scale)."""
        return math.exp(self.float(math.log(low), math.log(high)))

    def choice(self, options):
        return options[self.int(0, len(options) - 1)]

    def shape(self, dims: int, low: int = 1, high: int = 6) -> tuple[int, ...]:
        return tuple(self.int(low, high) for _ in range(dims))

    def randn(self, *shape, scale: float = 1.0, dtype=None):
        import torch

        return scale * torch.randn(*shape, generator=self.generator,
                                   dtype=dtype or torch.float64)

    def rand(self, *shape, dtype=None):
        import torch

        return torch.rand(*shape, generator=self.generator, dtype=dtype or torch.float64)

    def randint(self, low: int, high: int, shape):
        """Integers in [low, high), int64, like torch.randint."""
        import torch

        return torch.randint(low, high, tuple(shape), generator=self.generator)

    def __repr__(self) -> str:
        return msg("exercises.check.case", index=self.index)


def cases(n: int = 25, seed: int = 0) -> Iterator[Case]:
    """n seeded random cases; each also seeds torch's global generator, so modules built
    inside a case start from the same weights whoever builds them. torch runs on one
    thread: the cases are small, and on a busy machine more threads only wait on each
    other (a tiny convolution took 30× longer on two)."""
    import torch

    torch.set_num_threads(1)
    for i in range(n):
        g = torch.Generator().manual_seed(seed * 100_003 + i)
        torch.manual_seed(seed * 100_003 + i)
        yield Case(i, g)


@contextlib.contextmanager
def seeded(seed: int):
    """Seed torch's global generator for a block, and restore it after."""
    import torch

    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        yield
    finally:
        torch.random.set_rng_state(state)


@contextlib.contextmanager
def forbid(targets: dict[str, str]):
    """Replace functions for a block so that calling one raises Mismatch with its reason:
    forbid({"torch.Tensor.backward": "write the chain rule by hand, not autograd"})."""
    import importlib

    saved = []
    for dotted, why in targets.items():
        owner_path, _, attr = dotted.rpartition(".")
        owner = _resolve(importlib, owner_path)
        saved.append((owner, attr, getattr(owner, attr)))
        setattr(owner, attr, _refusal(dotted.removeprefix("torch.nn.functional."), why))
    try:
        yield
    finally:
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)


def _refusal(name: str, why: str):
    def refuse(*args, **kwargs):
        raise Mismatch(msg("exercises.check.forbidden", name=name, why=why))

    return refuse


def _resolve(importlib, dotted: str):
    """The module or class a dotted path names: 'torch.nn.functional', 'torch.Tensor'."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(dotted)


@contextlib.contextmanager
def threads(n: int):
    """torch's intra-op threads for a block: small models train fastest on one."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
