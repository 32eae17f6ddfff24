"""Tensors: how PyTorch makes, types, shapes, moves and differentiates arrays of numbers."""

import warnings
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from dlcourse import plots
from dlcourse.i18n import messages, msg


@dataclass(frozen=True)
class Config:
    n: int = 4  # points in the broadcasting example: (N, 1) − (N,) makes an N×N matrix

    def __post_init__(self):
        if not 2 <= self.n <= 12:
            raise ValueError(msg("tensors.bad_n"))


def first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0]


def make_tensors(g):
    """Six ways to make a tensor; `g` is a seeded torch.Generator."""
    return {
        "torch.tensor([[1, 2], [3, 4]])": torch.tensor([[1, 2], [3, 4]]),
        "torch.tensor([0.5, 1.5])": torch.tensor([0.5, 1.5]),
        "torch.zeros(2, 3)": torch.zeros(2, 3),
        "torch.ones(3, dtype=torch.int64)": torch.ones(3, dtype=torch.int64),
        "torch.arange(0, 10, 3)": torch.arange(0, 10, 3),  # 0, 3, 6, 9: the end is left out
        "torch.randn(2, 3, generator=g)": torch.randn(2, 3, generator=g),  # normal(0, 1)
    }


def mix_dtypes():
    """What an operation returns when its inputs' dtypes differ."""
    ints = torch.tensor([1, 2, 3])  # int64: Python ints become 64-bit integers
    floats = torch.tensor([0.5, 0.5, 0.5])  # float32: PyTorch's default float
    return {
        "ints + floats": ints + floats,  # int64 + float32 -> float32
        "ints / 2": ints / 2,  # true division always gives floats
        "ints // 2": ints // 2,  # floor division keeps integers
        "ints + 0.5": ints + 0.5,  # a Python float turns ints into the default float
        "floats + floats.double()": floats + floats.double(),  # float32 + float64 -> float64
        "torch.tensor(16777216.0) + 1": torch.tensor(16777216.0) + 1,  # 2²⁴ + 1 in float32
    }


def float64_into_a_layer() -> str:
    """NumPy's default float is float64; nn.Linear's weights are float32."""
    layer = nn.Linear(2, 1)
    x = torch.tensor([[1.0, 2.0]], dtype=torch.float64)  # what torch.from_numpy gives
    try:
        layer(x)
    except RuntimeError as err:
        return first_line(err)
    return msg("tensors.no_error")


def broadcast_trap(n):
    """A perfect model, scored with its output shaped (N, 1) against targets shaped (N,)."""
    y = torch.arange(1.0, n + 1)  # (N,) targets: 1, 2, ..., N
    y_hat = y.unsqueeze(1)  # (N, 1): a perfect prediction, shaped like nn.Linear(k, 1)'s
    diff = y_hat - y  # (N, 1) − (N,) -> (N, N): every prediction minus every target
    wrong = (diff**2).mean()  # averages all N² pairs, not the N matching ones
    right = ((y_hat.squeeze(1) - y) ** 2).mean()  # (N,) − (N,) -> (N,)
    return y, y_hat, diff, wrong, right


def reshaping():
    """view shares memory; a transpose breaks contiguity; reshape copies when it must."""
    t = torch.arange(6)  # (6,): 0, 1, ..., 5
    m = t.view(2, 3)  # (2, 3): the same six numbers, read row by row
    m[0, 0] = 100  # writes into t too: a view has no memory of its own
    mt = m.T  # (3, 2): swaps the strides, moves nothing
    try:
        mt.view(6)
        view_error = msg("tensors.no_error")
    except RuntimeError as err:  # (3, 2) transposed cannot be read as one flat run
        view_error = first_line(err)
    return t, m, mt, mt.reshape(6), view_error


def shares_memory(a, b) -> bool:
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def tiny_graph():
    """y_hat = w·x + b on three points, its mean squared error, and loss.backward()."""
    x = torch.tensor([1.0, 2.0, 3.0])
    y = torch.tensor([3.0, 5.0, 7.0])  # made by y = 2x + 1
    w = torch.tensor(0.5, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    y_hat = w * x + b  # autograd records each operation as it runs
    loss = ((y_hat - y) ** 2).mean()
    loss.backward()  # fills w.grad and b.grad
    return x, y, w, b, y_hat, loss


def hand_gradients(x, y, w, b):
    """The same gradients by the chain rule: L = mean((w·x + b − y)²)."""
    residual = w * x + b - y  # (3,)
    return (2 * residual * x).mean(), (2 * residual).mean()  # ∂L/∂w, ∂L/∂b


def run(cfg: Config, ctx) -> None:
    g = torch.Generator().manual_seed(ctx.seed)
    ctx.show.section("idea")
    show_creation(ctx, g)
    show_dtypes(ctx)
    show_broadcasting(ctx, cfg)
    show_reshaping(ctx)
    show_device(ctx)
    show_autograd(ctx)
    show_no_grad(ctx)
    ctx.show.section("recap", **ctx.record.final)


def describe(t) -> list:
    """shape, dtype and values (floats to 4 decimals) of a tensor, for a table row."""
    values = t.double().round(decimals=4) if t.is_floating_point() else t  # 1.541, not 1.5410000085
    return ["×".join(map(str, t.shape)) or msg("tensors.scalar"),
            str(t.dtype).removeprefix("torch."), str(values.tolist())]


def show_creation(ctx, g) -> None:
    made = make_tensors(g)
    ctx.show.source(make_tensors, title=msg("tensors.making_title"))
    ctx.show.table(msg("tensors.made_table"), messages("tensors.describe_columns"),
                   [[name, *describe(t)] for name, t in made.items()])
    ctx.show.section("create", float_dtype=str(torch.get_default_dtype()).removeprefix("torch."),
                     arange_last=made["torch.arange(0, 10, 3)"][-1].item())


def show_dtypes(ctx) -> None:
    mixed = mix_dtypes()
    ctx.show.source(mix_dtypes, float64_into_a_layer, title=msg("tensors.mixing_title"))
    ctx.show.table(msg("tensors.mixed_table"), messages("tensors.describe_columns"),
                   [[name, *describe(t)] for name, t in mixed.items()])
    big = mixed["torch.tensor(16777216.0) + 1"].item()
    ctx.record.final.update(float32_big_plus_one=big)
    ctx.show.section("dtypes", big=big, eps=torch.finfo(torch.float32).eps,
                     layer_error=float64_into_a_layer())


def show_broadcasting(ctx, cfg: Config) -> None:
    pairs = [((3, 1), (1, 4)), ((2, 3), (3,)), ((5, 1), (5,)), ((2, 3), (2,))]
    rows = []
    for a, b in pairs:
        try:
            result = "×".join(map(str, torch.broadcast_shapes(a, b)))
        except RuntimeError:
            result = msg("tensors.broadcast_error")
        rows.append([str(a), str(b), result])
    ctx.show.table(msg("tensors.broadcast_table"), ["a", "b", "a + b"], rows)
    y, y_hat, diff, wrong, right = broadcast_trap(cfg.n)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from_mse = F.mse_loss(y_hat, y).item()  # PyTorch broadcasts too, with a warning
    ctx.show.source(broadcast_trap, title=msg("tensors.trap_title"))
    ctx.record.figure(plots.cell_matrix(
        diff, title=msg("tensors.plot.title", n=cfg.n), xlabel=msg("tensors.plot.target"),
        ylabel=msg("tensors.plot.prediction"), labels=y.tolist()), "broadcast.png")
    ctx.record.final.update(broadcast_shape="×".join(map(str, diff.shape)),
                            wrong_loss=wrong.item(), right_loss=right.item(),
                            mse_loss_broadcast=from_mse)
    ctx.show.section("broadcast", **ctx.record.final, n=cfg.n, y_shape=tuple(y.shape),
                     y_hat_shape=tuple(y_hat.shape),
                     warning=first_line(caught[0].message) if caught else msg("tensors.none"))


def show_reshaping(ctx) -> None:
    t, m, mt, flat, view_error = reshaping()
    x = torch.zeros(2, 3, 4)  # e.g. a batch of 2 feature maps of 3×4
    ctx.show.source(reshaping, title=msg("tensors.reshape_title"))
    rows = [[name, "×".join(map(str, v.shape)), str(v.stride()), v.is_contiguous(),
             shares_memory(v, t)]
            for name, v in (("t", t), ("m = t.view(2, 3)", m), ("mt = m.T", mt),
                            ("mt.reshape(6)", flat), ("m.reshape(6)", m.reshape(6)))]
    ctx.show.table(msg("tensors.reshape_table"), messages("tensors.reshape_columns"), rows)
    ctx.show.section("reshape", t0=t[0].item(), view_error=view_error,
                     m_strides=m.stride(), mt_strides=mt.stride(), flat=flat.tolist(),
                     flatten1=tuple(x.flatten(1).shape), flatten=tuple(x.flatten().shape),
                     view_minus=tuple(x.view(len(x), -1).shape))


def show_device(ctx) -> None:
    x = torch.ones(3)  # made on the CPU, like every tensor unless told otherwise
    moved = x.to(ctx.device)  # a copy on the device; on the CPU already: x itself
    ctx.show.section("device", device=str(ctx.device), before=str(x.device),
                     after=str(moved.device), same=moved is x)
    if moved.device != x.device:
        try:
            x + moved
        except RuntimeError as err:
            ctx.show.section("device-mix", error=first_line(err))


def show_autograd(ctx) -> None:
    x, y, w, b, y_hat, loss = tiny_graph()
    hand_w, hand_b = hand_gradients(x, y, w.detach(), b.detach())
    ctx.show.source(tiny_graph, hand_gradients, title=msg("tensors.graph_title"))
    f = ctx.record.final
    f.update(grad_w=w.grad.item(), grad_b=b.grad.item())
    loss_again = ((w * x + b - y) ** 2).mean()
    loss_again.backward()  # without zeroing first: the new gradient is added to the old
    f.update(hand_grad_w=hand_w.item(),
             hand_grad_b=hand_b.item(), grad_w_twice=w.grad.item())
    f["max_grad_diff"] = max(abs(f["grad_w"] - f["hand_grad_w"]),
                             abs(f["grad_b"] - f["hand_grad_b"]))
    ctx.show.table(msg("tensors.gradients_table"), ["", "autograd", msg("tensors.by_hand")],
                   [["∂L/∂w", f["grad_w"], f["hand_grad_w"]],
                    ["∂L/∂b", f["grad_b"], f["hand_grad_b"]]])
    ctx.show.section("autograd", **f, loss=loss.item(), w=w.item(), b=b.item(),
                     y_hat_fn=type(y_hat.grad_fn).__name__, loss_fn=type(loss.grad_fn).__name__)


def show_no_grad(ctx) -> None:
    w = torch.tensor(2.0, requires_grad=True)
    x = torch.tensor([1.0, 2.0])
    tracked = w * x
    with torch.no_grad():
        untracked = w * x  # the same numbers, no graph: evaluation and weight updates
    detached = (w * x).detach()
    rows = [[name, t.requires_grad, type(t.grad_fn).__name__ if t.grad_fn else "None"]
            for name, t in (("w * x", tracked), (msg("tensors.under_no_grad"), untracked),
                            ("(w * x).detach()", detached))]
    ctx.show.table(msg("tensors.tracked_table"),
                   [msg("tensors.expression"), "requires_grad", "grad_fn"], rows)
    ctx.record.final.update(no_grad_requires_grad=untracked.requires_grad)
    ctx.show.section("no-grad", tracked=tracked.requires_grad,
                     untracked=untracked.requires_grad, same=torch.equal(tracked, untracked))
