"""The speed probe (precision and memory layout by measurement), its cache, and the plan that
sizes a run to the time a lesson has."""

import json

import pytest
import torch
from torch import nn

from dlcourse.engine import sizing, speed
from dlcourse.engine.sizing import Sizing

CPU = torch.device("cpu")


def small_cnn():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.Dropout(0.5), nn.Flatten(), nn.Linear(8 * 8 * 8, 10))


def images(n=32):
    g = torch.Generator().manual_seed(0)
    return (torch.randint(0, 256, (n, 3, 8, 8), dtype=torch.uint8, generator=g),
            torch.randint(0, 10, (n,), generator=g))


class FakeClock:
    """A clock that only moves when the model runs: each forward costs what `cost` says
    for its precision and memory layout, so the probe's choice is known in advance."""

    def __init__(self, model, cost):
        self.now, self.calls, self.cost = 0.0, 0, cost
        model[0].register_forward_hook(self.forward)

    def forward(self, module, inputs, output):
        layout = ("channels-last" if inputs[0].is_contiguous(memory_format=torch.channels_last)
                  and not inputs[0].is_contiguous() else "contiguous")
        precision = "bf16" if output.dtype == torch.bfloat16 else "fp32"
        self.now += self.cost[precision, layout]

    def __call__(self):
        self.calls += 1
        return self.now


def probe(model, clock, tmp_path=None, precision="auto", **kwargs):
    x, y = images()
    cache = tmp_path / "speed.json" if tmp_path else None
    return speed.measure(model, x, y, device=CPU, batch_size=16, mean=[0.5] * 3,
                         std=[0.25] * 3, precision=precision, cache=cache, timer=clock,
                         **kwargs)


@pytest.fixture(autouse=True)
def no_native_bf16(monkeypatch):
    """Whatever this machine's CPU has: the tests below say when bf16 is native."""
    monkeypatch.setattr(speed, "bf16_native", lambda device: False)


@pytest.fixture
def bf16_here(monkeypatch):
    """Pretend this CPU has native bf16, so that the probe considers it."""
    monkeypatch.setattr(speed, "bf16_native", lambda device: True)


def test_the_probe_picks_fp32_when_bf16_is_slower(bf16_here):
    model = small_cnn()
    clock = FakeClock(model, {("fp32", "contiguous"): 1.0, ("fp32", "channels-last"): 1.2,
                              ("bf16", "contiguous"): 2.0, ("bf16", "channels-last"): 2.5})
    found = probe(model, clock)
    assert found.variant == speed.Variant(bf16=False, channels_last=False)
    assert set(found.timings) == {"fp32, contiguous", "fp32, channels-last",
                                  "bf16, contiguous", "bf16, channels-last"}
    assert found.images_per_second == pytest.approx(16 / 1.0)
    assert found.timings["bf16, contiguous"] == pytest.approx(16 / 2.0)
    assert found.summary().startswith("fp32, contiguous: 1.2× faster here than fp32, "
                                      "channels-last (16 vs 13 images/s)")


def test_the_probe_picks_bf16_and_channels_last_when_they_are_faster(bf16_here):
    model = small_cnn()
    clock = FakeClock(model, {("fp32", "contiguous"): 1.0, ("fp32", "channels-last"): 0.8,
                              ("bf16", "contiguous"): 0.6, ("bf16", "channels-last"): 0.4})
    found = probe(model, clock)
    assert found.variant == speed.Variant(bf16=True, channels_last=True)
    assert found.summary().startswith("bf16, channels-last: 1.5× faster here than bf16, "
                                      "contiguous (40 vs 27 images/s); fp32, channels-last "
                                      "2.0× slower; fp32, contiguous 2.5× slower")
    assert found.eval_images_per_second == pytest.approx(16 / 0.4)  # a forward of one batch


def test_a_variant_whose_first_step_is_far_slower_is_not_timed_further(bf16_here):
    model = small_cnn()
    clock = FakeClock(model, {("fp32", "contiguous"): 1.0, ("fp32", "channels-last"): 1.0,
                              ("bf16", "contiguous"): 50.0, ("bf16", "channels-last"): 50.0})
    found = probe(model, clock)
    assert "bf16, contiguous" not in found.timings
    assert any("bf16, contiguous dropped" in s for s in found.skipped)


def test_without_native_bf16_only_float32_layouts_are_timed(monkeypatch):
    monkeypatch.setattr(speed, "bf16_native", lambda device: False)
    model = small_cnn()
    found = probe(model, FakeClock(model, {("fp32", "contiguous"): 1.0,
                                           ("fp32", "channels-last"): 1.0}))
    assert set(found.timings) == {"fp32, contiguous", "fp32, channels-last"}
    assert "bf16 not tried: this CPU has no native bf16" in found.summary()


def test_precision_fp32_or_bf16_restricts_the_choice(bf16_here):
    cost = {("fp32", "contiguous"): 1.0, ("fp32", "channels-last"): 1.0,
            ("bf16", "contiguous"): 0.5, ("bf16", "channels-last"): 0.5}
    model = small_cnn()
    assert not probe(model, FakeClock(model, cost), precision="fp32").variant.bf16
    model = small_cnn()
    assert probe(model, FakeClock(model, cost), precision="bf16").variant.bf16
    with pytest.raises(ValueError, match="precision"):
        speed.candidates(model, CPU, "fp16")


def test_a_model_without_convolutions_is_not_timed_in_two_layouts():
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 10))
    variants, _ = speed.candidates(mlp, CPU, "fp32")
    assert variants == [speed.Variant(bf16=False, channels_last=False)]


def test_the_probe_leaves_the_model_and_random_state_untouched():
    """A seeded run gives the same result whether or not it probed first."""
    model = small_cnn()
    model.eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    x, y = images()
    speed.measure(model, x, y, device=CPU, batch_size=16, mean=[0.5] * 3, std=[0.25] * 3)
    assert torch.equal(torch.get_rng_state(), rng)
    assert not model.training
    for key, value in model.state_dict().items():  # weights and batch-norm statistics
        assert torch.equal(value, before[key]), key
    assert all(p.grad is None for p in model.parameters())


# --- the cache ------------------------------------------------------------------------

COST = {("fp32", "contiguous"): 1.0, ("fp32", "channels-last"): 0.5}


def test_the_probe_runs_once_then_the_cache_answers(tmp_path):
    model = small_cnn()
    first = probe(model, FakeClock(model, COST), tmp_path)
    assert not first.cached
    clock = FakeClock(model, COST)
    second = probe(model, clock, tmp_path)
    assert second.cached and clock.calls == 0
    assert second.variant == first.variant and second.timings == first.timings
    assert "measured earlier" in second.summary()


def test_the_cache_is_per_batch_size_and_model(tmp_path):
    model = small_cnn()
    probe(model, FakeClock(model, COST), tmp_path)
    x, y = images()
    other = speed.measure(model, x, y, device=CPU, batch_size=8, mean=[0.5] * 3,
                          std=[0.25] * 3, cache=tmp_path / "speed.json",
                          timer=FakeClock(model, COST))
    assert not other.cached
    wider = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.Flatten(),
                          nn.Linear(16 * 8 * 8, 10))
    assert not probe(wider, FakeClock(wider, COST), tmp_path).cached
    stored = json.loads((tmp_path / "speed.json").read_text())["speeds"]
    assert len(stored) == 3


@pytest.mark.parametrize("content", ["not json {", '{"speeds": []}', '{"speeds": {"k": 1}}',
                                     '[1, 2]', ""])
def test_a_corrupt_cache_is_measured_again_and_rewritten(tmp_path, content):
    model = small_cnn()
    key = speed.cache_key(model, images()[0], CPU, 16, (), "auto")
    path = tmp_path / "speed.json"
    path.write_text(content if "k" not in content else content.replace('"k"', json.dumps(key)))
    found = probe(model, FakeClock(model, COST), tmp_path)
    assert not found.cached
    assert found.variant.channels_last
    stored = json.loads(path.read_text())["speeds"]
    assert stored[key]["variant"] == {"bf16": False, "channels_last": True}
    # and the next run reads what this one wrote
    assert probe(model, FakeClock(model, COST), tmp_path).cached


@pytest.mark.parametrize("value", [0, -5, "fast", None, float("nan")])
def test_a_cached_entry_with_a_bad_speed_is_measured_again(tmp_path, value):
    model = small_cnn()
    probe(model, FakeClock(model, COST), tmp_path)
    path = tmp_path / "speed.json"
    stored = json.loads(path.read_text())
    for entry in stored["speeds"].values():
        entry["images_per_second"] = value
    path.write_text(json.dumps(stored))
    found = probe(model, FakeClock(model, COST), tmp_path)
    assert not found.cached and found.images_per_second > 0


def test_an_unwritable_cache_is_a_note_not_a_failure(tmp_path):
    (tmp_path / "speed.json").mkdir()  # a folder where the file should be
    model = small_cnn()
    found = probe(model, FakeClock(model, COST), tmp_path)
    assert found.variant.channels_last
    assert "could not save" in found.note or "unreadable" in found.note


# --- the plan ----------------------------------------------------------------------------

RULE = Sizing(min_epochs=4, max_epochs=20, min_images=1000, min_test=2000)


def plan(budget, **kwargs):
    values = dict(budget=budget, train_speed=500.0, eval_speed=1500.0, n_train=50_000,
                  n_test=10_000)
    return sizing.plan(RULE, **{**values, **kwargs})


def test_short_time_keeps_min_epochs_and_trains_on_fewer_images():
    chosen = plan(100)
    assert chosen.epochs == 4
    assert 1000 <= chosen.images < 50_000 and chosen.images % sizing.ROUND_TO == 0
    assert chosen.test_images < 10_000
    assert chosen.seconds <= 100
    assert not chosen.warning
    # evaluation takes at most its share of the time
    assert chosen.epochs * chosen.test_images / 1500 <= RULE.eval_share * 100


def test_plenty_of_time_trains_on_every_image_for_more_epochs():
    chosen = plan(100, train_speed=30_000, eval_speed=90_000)  # a GPU
    assert chosen.images == 50_000 and chosen.test_images == 10_000
    assert chosen.epochs == 20  # max_epochs: 100 s would allow more
    middle = plan(100, train_speed=5_000, eval_speed=15_000)
    assert middle.images == 50_000 and 4 <= middle.epochs < 20
    assert middle.seconds <= 100


def test_explicit_epochs_win_and_the_images_fit_around_them():
    chosen = plan(100, epochs=2)
    assert chosen.epochs == 2 and chosen.images > plan(100).images
    assert chosen.seconds <= 100


def test_explicit_values_far_over_the_budget_are_kept_with_a_warning():
    chosen = plan(100, epochs=8, images=50_000, minutes=lambda s: (s + 10) / (0.9 * 60))
    assert (chosen.epochs, chosen.images) == (8, 50_000)
    # 8 × (50,000 / 500 + 2,500 / 1,500) s = 813 s of training, + 10 s, at 90 %: 15.2 min
    assert chosen.seconds == pytest.approx(8 * (100 + 2500 / 1500))
    assert "--minutes 16" in chosen.warning
    assert not plan(100, epochs=4, images=5_000).warning


def test_an_explicit_subset_gets_the_epochs_that_fit_with_their_testing():
    chosen = plan(100, images=5_000)
    assert chosen.seconds <= 100 < plan(100, images=5_000, epochs=chosen.epochs + 1).seconds


def test_testing_never_takes_more_than_twice_its_share_of_a_short_run():
    """A slow machine in a short lesson tests on fewer than min_test images rather than
    spend the lesson evaluating."""
    chosen = plan(3.5, train_speed=300, eval_speed=900)
    assert chosen.test_images < RULE.min_test
    assert chosen.epochs * chosen.test_images / 900 <= 2 * RULE.eval_share * 3.5


def test_a_resumed_plan_keeps_its_test_images():
    assert plan(100, test_images=3_000).test_images == 3_000


def test_the_plan_depends_on_the_speed_not_on_small_noise():
    def chosen(speed):
        found = plan(100, train_speed=speed, eval_speed=3 * speed)
        return found.epochs, found.images, found.test_images

    # across a sweep of speeds the plan changes in steps of ROUND_TO images, never by a
    # few images: a speed measured again a little differently mostly gives the same plan
    plans = [chosen(speed) for speed in range(400, 600)]
    assert all(images % sizing.ROUND_TO == 0 for _, images, _ in plans)
    changes = sum(a != b for a, b in zip(plans, plans[1:], strict=False))
    assert 0 < changes < len(plans) / 4


def test_several_runs_share_the_time():
    one, three = plan(90), plan(90, runs=3)
    assert three.images < one.images and three.seconds <= 90
    assert three.why.startswith("each of 3 runs")


@pytest.mark.parametrize("seconds, text", [(45, "45 s"), (120, "2 min"), (150, "2.5 min"),
                                           (4000, "1 h 6 min")])
def test_durations_read_naturally(seconds, text):
    assert sizing.duration(seconds) == text


def test_resnet_epochs_5_on_a_fast_gpu_trains_on_every_image():
    """`dlcourse lesson resnet --epochs 5` with GPU speeds: all 50,000 images, and by
    default every image for more epochs than a CPU gets."""
    from dlcourse.course.context import OVERHEAD
    from dlcourse.lessons.resnet import SIZING

    budget = 2 * 60 - OVERHEAD
    gpu = dict(budget=budget, train_speed=20_000.0, eval_speed=60_000.0, n_train=50_000,
               n_test=10_000)
    asked = sizing.plan(SIZING, epochs=5, **gpu)
    assert (asked.images, asked.test_images) == (50_000, 10_000) and asked.seconds < 30
    default = sizing.plan(SIZING, **gpu)
    assert default.images == 50_000 and default.epochs > SIZING.min_epochs
    cpu = sizing.plan(SIZING, **{**gpu, "train_speed": 430.0, "eval_speed": 1100.0})
    assert cpu.epochs == SIZING.min_epochs and cpu.images < 50_000


def test_step_counting_lessons_keep_their_count_when_it_fits():
    # housing: 200 epochs of 45 ms and 40 more for its comparison fit 17 s
    assert sizing.count_that_fits(200, 0.045, 17, extra=40) == (200, "")
    assert sizing.count_that_fits(200, 0.2, 17, extra=40) == (40, "")  # 85 − 40, down to 10s
    assert sizing.count_that_fits(200, 5.0, 17, extra=40) == (10, "")  # never below a step
    kept, warning = sizing.count_that_fits(500, 0.2, 17, given=True, extra=40)
    assert kept == 500 and "--minutes 2" in warning  # (500 + 40) × 0.2 s = 108 s


def test_a_run_far_off_its_measured_speed_corrects_the_cache(tmp_path):
    """A probe taken while the machine was busy must not shrink every later plan."""
    model = small_cnn()
    measured = probe(model, FakeClock(model, COST), tmp_path)  # 32 images/s (0.5 s a batch)
    assert speed.correct(measured, 1.2 * measured.images_per_second, tmp_path / "speed.json") == ""
    assert probe(model, FakeClock(model, COST), tmp_path).images_per_second == pytest.approx(32)
    note = speed.correct(measured, 96.0, tmp_path / "speed.json")
    assert "3.0× the 32 measured" in note
    later = probe(model, FakeClock(model, COST), tmp_path)
    assert later.cached and later.images_per_second == 96.0
    assert later.eval_images_per_second == pytest.approx(3 * measured.eval_images_per_second)
    assert later.variant == measured.variant
    assert later.summary().startswith(measured.summary())  # the probe's comparison stands
