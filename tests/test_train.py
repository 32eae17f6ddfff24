"""The engine: it learns, repeats exactly, checkpoints and resumes, stops on divergence and
on Ctrl-C, all without a lesson or the runner."""

import os
import signal

import pytest
import torch
from torch import nn

from dlcourse.data.sets import ImageSet
from dlcourse.engine import checkpoint
from dlcourse.engine import fit as engine
from dlcourse.engine.loader import DeviceLoader
from dlcourse.engine.recipes import explicit_subset, optimizer_for, schedule_for
from dlcourse.errors import Diverged, Interrupted, UserError

CPU = torch.device("cpu")


def tiny_data(n_train=64, n_test=32, seed=0):
    g = torch.Generator().manual_seed(seed)

    def images(n):
        return torch.randint(0, 256, (n, 1, 8, 8), generator=g, dtype=torch.uint8)

    return ImageSet("tiny", images(n_train), torch.randint(0, 4, (n_train,), generator=g),
                    images(n_test), torch.randint(0, 4, (n_test,), generator=g),
                    ["a", "b", "c", "d"], "sample", "generated")


def tiny_model(dropout=0.0):
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(64, 4))


def fit(tmp_path, model=None, epochs=3, lr=1e-2, name="model.pt", schedule=False, **kw):
    """The engine's fit() on the tiny data, with nothing of a lesson around it."""
    model = model or tiny_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = ((lambda opt, total: torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=lr, total_steps=total)) if schedule else None)
    result = engine.fit(model, kw.pop("data", tiny_data()), optimizer=optimizer,
                        scheduler=scheduler, epochs=epochs, batch_size=16, device=CPU, seed=0,
                        checkpoint=tmp_path / name, rebuild={"lesson": "tiny"}, **kw)
    return model, result


def same_weights(a, b) -> bool:
    return all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


def test_a_tiny_model_overfits_a_tiny_batch(tmp_path):
    _, result = fit(tmp_path, epochs=60, data=tiny_data(n_train=16))
    assert result.history[-1]["train_accuracy"] == 1.0
    assert result.history[-1]["train_loss"] < 0.05


def test_a_seeded_cpu_run_repeats_exactly(tmp_path):
    (m1, r1), (m2, r2) = (fit(tmp_path, augment=("crop", "flip"), padding=1, name=f"{i}.pt")
                          for i in range(2))
    assert [h["train_loss"] for h in r1.history] == [h["train_loss"] for h in r2.history]
    assert same_weights(m1, m2)


def test_the_loader_yields_every_image_once_an_epoch_in_a_new_order():
    labels = torch.arange(50)
    images = torch.zeros(50, 1, 2, 2, dtype=torch.uint8)
    loader = DeviceLoader(images, labels, 16, device=CPU, mean=[0.0], std=[1.0], train=True)
    epochs = [torch.cat([t for _, t in loader]) for _ in range(2)]
    assert [len(t) for _, t in loader] == [16, 16, 16, 2] and len(loader) == 4
    assert all(sorted(e.tolist()) == list(range(50)) for e in epochs)
    assert not torch.equal(epochs[0], epochs[1])
    test = DeviceLoader(images, labels, 16, device=CPU, mean=[0.0], std=[1.0])
    assert torch.cat([t for _, t in test]).tolist() == list(range(50))  # in order


def test_the_loader_normalizes_with_the_given_statistics():
    images = torch.full((4, 3, 2, 2), 255, dtype=torch.uint8)
    loader = DeviceLoader(images, torch.zeros(4, dtype=torch.long), 4, device=CPU,
                          mean=[0.5, 0.0, 1.0], std=[0.5, 2.0, 1.0])
    inputs, _ = next(iter(loader))
    torch.testing.assert_close(inputs[0, :, 0, 0], torch.tensor([1.0, 0.5, 0.0]))


@pytest.mark.parametrize("recipe", [
    dict(optimizer="sgd", lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4),
    dict(optimizer="adam", lr=1e-2),
    dict(optimizer="adamw", lr=1e-2, weight_decay=0.05),
])
def test_fused_optimizers_make_the_same_updates(recipe):
    models = [tiny_model(), tiny_model()]
    fused = optimizer_for(models[0], recipe, CPU)
    per_tensor = optimizer_for(models[1], recipe)  # no device: PyTorch's default
    assert fused.defaults["fused"] and not per_tensor.defaults["fused"]
    x, y = torch.randn(16, 1, 8, 8), torch.randint(0, 4, (16,))
    for _ in range(5):
        for model, optimizer in zip(models, (fused, per_tensor), strict=True):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    for a, b in zip(models[0].parameters(), models[1].parameters(), strict=True):
        torch.testing.assert_close(a, b)
    assert not torch.equal(models[0][1].weight, tiny_model()[1].weight)  # they did move


def test_the_checkpoint_holds_the_last_epoch(tmp_path):
    model, result = fit(tmp_path)
    state = checkpoint.load(tmp_path / "model.pt")
    assert state["epoch"] == 3 and state["epochs"] == 3 and state["rebuild"] == {"lesson": "tiny"}
    assert [h["epoch"] for h in state["history"]] == [1, 2, 3]
    fresh = tiny_model()
    fresh.load_state_dict(state["model"])
    assert same_weights(fresh, model)
    assert result.epochs_done == result.epochs_trained == 3
    assert result.predictions.shape == result.test_labels.shape == (32,)


def test_resume_gives_the_same_weights_as_one_long_run(tmp_path):
    """At a constant learning rate a 2-epoch run, resumed to 4, is the 4-epoch run."""
    fit(tmp_path, epochs=2, name="first.pt")
    straight_model, straight = fit(tmp_path, epochs=4, name="straight.pt")
    model, resumed = fit(tmp_path, epochs=4, name="second.pt", resume=tmp_path / "first.pt")
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3, 4]
    assert resumed.epochs_trained == 2
    assert [h["train_loss"] for h in resumed.history] == [h["train_loss"] for h in
                                                           straight.history]
    assert same_weights(model, straight_model)


def interrupt_at_step(n):
    """Callbacks that send this process a real SIGINT at training step n."""
    class Interrupt(engine.Callbacks):
        steps = 0

        def step(self, **kw):
            Interrupt.steps += 1
            if Interrupt.steps == n:
                os.kill(os.getpid(), signal.SIGINT)

    return Interrupt()


def test_ctrl_c_mid_epoch_then_resume_ends_with_the_weights_of_an_uninterrupted_run(
        tmp_path, monkeypatch):
    """The one-cycle schedule, dropout's random state and the loader's order all resume
    from the last finished epoch, so the resumed run is the uninterrupted one."""
    monkeypatch.setattr(engine, "READ_EVERY", 0.0)  # callbacks.step() on every step
    straight, _ = fit(tmp_path, tiny_model(dropout=0.5), epochs=4, schedule=True,
                      name="straight.pt")
    with pytest.raises(Interrupted) as stop:  # 4 steps an epoch: step 10 is in epoch 3
        fit(tmp_path, tiny_model(dropout=0.5), epochs=4, schedule=True, name="cut.pt",
            callbacks=interrupt_at_step(10))
    assert stop.value.signum == signal.SIGINT and stop.value.result.epochs_done == 2
    assert checkpoint.load(tmp_path / "cut.pt")["epoch"] == 2
    torch.manual_seed(123)  # whatever happened in between: the checkpoint restores it
    resumed, result = fit(tmp_path, tiny_model(dropout=0.5), epochs=4, schedule=True,
                          name="cut.pt", resume=tmp_path / "cut.pt")
    assert result.epochs_trained == 2
    assert same_weights(resumed, straight)


def test_a_plain_keyboard_interrupt_also_ends_as_interrupted(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "train_one_epoch", boom)
    with pytest.raises(Interrupted) as stop:
        fit(tmp_path)
    assert stop.value.exit_code == 130 and stop.value.result.epochs_done == 0


def test_resuming_a_finished_run_reports_its_result_without_training(tmp_path):
    model, first = fit(tmp_path, epochs=3, name="done.pt")
    again, result = fit(tmp_path, epochs=3, name="again.pt", resume=tmp_path / "done.pt")
    assert result.epochs_trained == 0 and result.epochs_done == 3
    assert result.test_accuracy == pytest.approx(first.test_accuracy)
    assert torch.equal(result.predictions, first.predictions)
    assert same_weights(again, model)


def test_resuming_a_finished_run_with_more_epochs_trains_the_extra_ones(tmp_path):
    fit(tmp_path, epochs=2, name="done.pt", schedule=True)
    _, result = fit(tmp_path, epochs=4, name="more.pt", schedule=True,
                    resume=tmp_path / "done.pt")
    assert result.epochs_trained == 2 and [h["epoch"] for h in result.history] == [1, 2, 3, 4]


def test_resume_refuses_another_models_checkpoint(tmp_path):
    fit(tmp_path, epochs=1, name="first.pt")
    model = tiny_model()
    with pytest.raises(Exception, match="Resume with the same lesson"):
        engine.fit(model, tiny_data(), optimizer=torch.optim.Adam(model.parameters()),
                   epochs=2, batch_size=16, device=CPU, rebuild={"lesson": "other"},
                   resume=tmp_path / "first.pt")


def test_nan_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path):
    calls = {"n": 0}

    def nan_in_epoch_2(logits, y):  # 4 steps an epoch: the 5th is epoch 2's first
        calls["n"] += 1
        return nn.functional.cross_entropy(logits, y) * (float("nan") if calls["n"] > 4 else 1)

    with pytest.raises(Diverged) as err:
        fit(tmp_path, loss_fn=nan_in_epoch_2)
    assert err.value.step == 5 and err.value.result.epochs_done == 1
    state = checkpoint.load(tmp_path / "model.pt")
    assert state["epoch"] == 1
    assert all(torch.isfinite(w).all() for w in state["model"].values())


def test_a_loss_far_above_its_start_is_divergence_even_when_finite(tmp_path):
    calls = {"n": 0}

    def explodes_at_step_3(logits, y):
        calls["n"] += 1
        loss = nn.functional.cross_entropy(logits, y)
        return loss * (1e6 if calls["n"] == 3 else 1)  # finite, a million times higher

    with pytest.raises(Diverged) as err:
        fit(tmp_path, loss_fn=explodes_at_step_3)
    assert err.value.step == 3 and err.value.loss > 1e5
    assert not (tmp_path / "model.pt").exists(), "no good epoch: no checkpoint"


def test_a_huge_learning_rate_is_caught_as_divergence(tmp_path):
    with pytest.raises(Diverged):
        fit(tmp_path, lr=1e4, epochs=5)


def test_a_dry_run_trains_on_a_few_batches(tmp_path):
    _, result = fit(tmp_path, epochs=1, data=tiny_data(n_train=640, n_test=640),
                    max_batches=3)
    assert result.train_images == 3 * 16 and result.test_images == 4 * 16


@pytest.mark.parametrize("value, expected", [("full", 5000), ("500", 500), ("9000", 5000),
                                             ("auto", None)])
def test_subset_option_as_a_number_of_images(value, expected):
    assert explicit_subset(value, 5000) == expected


def test_resuming_with_another_batch_size_rebuilds_the_schedule(tmp_path):
    """A one-cycle schedule built for 16-image batches does not fit 8-image ones: the run
    gets its own schedule, advanced past the finished epochs, and completes."""
    fit(tmp_path, epochs=2, name="first.pt", schedule=True)
    model = tiny_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    result = engine.fit(model, tiny_data(), optimizer=optimizer, epochs=4, batch_size=8,
                        device=CPU, rebuild={"lesson": "tiny"}, resume=tmp_path / "first.pt",
                        scheduler=lambda opt, total: torch.optim.lr_scheduler.OneCycleLR(
                            opt, max_lr=1e-2, total_steps=total))
    assert result.epochs_trained == 2
    assert result.history[-1]["lr"] < 1e-4  # annealed to the end of its own schedule


def test_a_resumed_well_trained_model_is_judged_against_the_first_loss_of_its_run(tmp_path):
    fit(tmp_path, epochs=60, data=tiny_data(n_train=16), name="trained.pt")
    state = checkpoint.load(tmp_path / "trained.pt")
    assert state["first_loss"] > 1.0  # the loss at the run's first step
    calls = {"n": 0}

    def one_hard_batch(logits, y):  # a resumed loss near 0.01 jumps 1000×, still < 100× start
        calls["n"] += 1
        loss = nn.functional.cross_entropy(logits, y)
        return loss * 1000 if calls["n"] == 2 else loss

    _, result = fit(tmp_path, epochs=62, data=tiny_data(n_train=16), name="more.pt",
                    resume=tmp_path / "trained.pt", loss_fn=one_hard_batch)
    assert result.epochs_trained == 2


def test_on_a_gpu_a_spike_between_loss_reads_is_still_caught(monkeypatch):
    watch = engine.Watch(engine.Callbacks(), engine.StopRequest(), torch.device("cuda"),
                         first_loss=2.0)
    watch.begin(1)
    monkeypatch.setattr(engine, "READ_EVERY", 1e9)  # no read: nothing synchronises
    correct = torch.tensor(0)
    watch.step(torch.tensor(2.0), correct, 4)
    watch.step(torch.tensor(1e6), correct, 4)  # the spike, unread
    watch.step(torch.tensor(1.9), correct, 4)
    monkeypatch.setattr(engine, "READ_EVERY", 0.0)  # the next step reads
    with pytest.raises(Diverged) as err:
        watch.step(torch.tensor(1.8), correct, 4)
    assert err.value.loss == 1e6


def test_a_checkpoint_from_another_kind_of_device_is_one_sentence(tmp_path):
    fit(tmp_path, epochs=1)
    state = checkpoint.load(tmp_path / "model.pt")
    state["rng"] = torch.zeros(16, dtype=torch.uint8)  # the size of a CUDA generator's state
    model = tiny_model()
    with pytest.raises(UserError, match="another kind of device"):
        checkpoint.restore(state, model, torch.optim.Adam(model.parameters()),
                           torch.Generator())


@pytest.mark.parametrize("total", [1, 2, 3, 4, 5, 9])
def test_a_one_cycle_schedule_survives_runs_of_a_few_batches(total):
    """`--subset 500 --epochs 1` is four batches: OneCycleLR alone divides by zero there."""
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=0.1)
    scheduler = schedule_for(dict(schedule="onecycle", lr=0.1, warmup=0.2))(optimizer, total)
    for _ in range(total):
        optimizer.step()
        scheduler.step()
    assert 0 < optimizer.param_groups[0]["lr"] <= 0.1


def test_a_test_sample_is_drawn_across_classes_and_the_same_on_every_run(tmp_path):
    """Data sets stored class by class (an ImageFolder tree) must not be tested on their
    first images: those are all one class."""
    data = tiny_data(n_test=64)
    order = torch.argsort(data.test_y, stable=True)  # sorted by class, like the kit's tree
    data = ImageSet("tiny", data.train_x, data.train_y, data.test_x[order], data.test_y[order],
                    data.classes, "sample", "generated")
    _, result = fit(tmp_path, epochs=1, data=data, test_images=16)
    assert result.test_images == 16 and len(set(result.test_labels.tolist())) > 1
    assert torch.equal(result.test_labels, data.test_y[result.test_index])
    _, other = fit(tmp_path, epochs=1, data=data, test_images=16, name="other.pt")
    assert torch.equal(other.test_index, result.test_index)
