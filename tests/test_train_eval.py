"""fit(train_eval_images=n): eval-mode accuracy on a fixed sample of training images after
every epoch, checked against a hand computation; asking for it changes nothing else."""

import torch
from torch import nn

from dlcourse.engine import fit as engine
from tests.test_train import CPU, same_weights, tiny_data, tiny_model


def fit(model, data, **kw):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    return engine.fit(model, data, optimizer=optimizer, epochs=2, batch_size=16, device=CPU,
                      seed=0, **kw)


@torch.no_grad()
def by_hand(model, images, labels, mean, std) -> float:
    """Accuracy of `model` in eval mode on these uint8 images, normalized as (x - m) / s."""
    model.eval()
    x = (images.float() / 255 - mean[:, None, None]) / std[:, None, None]
    return (model(x).argmax(dim=1) == labels).float().mean().item()


def test_train_eval_accuracy_is_eval_mode_accuracy_on_a_fixed_training_sample():
    data = tiny_data(n_train=64)
    model = tiny_model(dropout=0.9)  # in train mode, 9 units in 10 would be dropped
    result = fit(model, data, train_eval_images=20)
    keep = engine.sample_index(64, 20, engine.TEST_SAMPLE_SEED)
    assert len(keep) == 20 and len(set(keep.tolist())) == 20
    mean, std = engine.channel_stats(data.train_x)  # the training images' own statistics
    expected = by_hand(model, data.train_x[keep], data.train_y[keep], mean, std)
    assert result.history[-1]["train_eval_acc"] == expected
    assert [h["epoch"] for h in result.history if "train_eval_acc" in h] == [1, 2]


def test_train_eval_uses_the_training_subset_and_never_augments():
    data = tiny_data(n_train=64)
    model = tiny_model()
    result = fit(model, data, subset=40, train_eval_images=1000, augment=("flip",))
    X, y = engine.take_subset(data.train_x, data.train_y, 40, 0)
    # more asked than there are: all 40 of the subset, unflipped
    assert result.history[-1]["train_eval_acc"] == by_hand(model, X, y, *engine.channel_stats(X))


def test_asking_for_train_eval_changes_no_weight_and_no_other_number():
    data = tiny_data()
    plain_model = tiny_model(dropout=0.5)  # seeds torch: dropout draws the same masks
    plain = fit(plain_model, data, augment=("crop", "flip"), padding=1)
    with_model = tiny_model(dropout=0.5)
    asked = fit(with_model, data, augment=("crop", "flip"), padding=1, train_eval_images=32)
    assert same_weights(plain_model, with_model)
    for a, b in zip(plain.history, asked.history, strict=True):
        assert "train_eval_acc" not in a  # not asked: the history rows are as before
        assert {k: v for k, v in b.items() if k not in ("train_eval_acc", "seconds")} == {
            k: v for k, v in a.items() if k != "seconds"}


def test_train_eval_in_a_dry_run_evaluates_the_few_training_images_it_has():
    data = tiny_data(n_train=64)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 4))
    torch.manual_seed(0)
    result = fit(model, data, max_batches=1, train_eval_images=500)  # one batch of 16
    X, y = data.train_x[:16], data.train_y[:16]
    assert result.history[-1]["train_eval_acc"] == by_hand(model, X, y, *engine.channel_stats(X))
