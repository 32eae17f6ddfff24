"""The on-device batch iterator: shuffling, augmentation, normalization and memory layout.

In the spirit of airbench's CifarLoader: the whole data set sits on the training device as
uint8, and each batch is cut, augmented and normalized there in a few whole-batch tensor
operations. A DataLoader instead runs Python per image, which on a small CPU costs more
than the model itself.
"""

import math

import torch

from dlcourse.engine.augment import augment as apply_augment


class DeviceLoader:
    """Yields (inputs, targets): float inputs (B, C, H, W) ready for the model, int64 targets.

    train=True reshuffles every epoch and applies `augment` (names from engine/augment.py);
    the loader's generator drives both, so a seed repeats a run exactly on the CPU.
    """

    def __init__(self, images, labels, batch_size, *, device, mean, std, train=False,
                 augment=(), padding=4, seed=0, bf16=False, channels_last=False):
        self.images, self.labels = images.to(device), labels.to(device)  # uint8 (N, C, H, W)
        self.batch_size, self.device, self.train = batch_size, device, train
        self.mean = torch.as_tensor(mean, dtype=torch.float32).to(device)[:, None, None]
        self.std = torch.as_tensor(std, dtype=torch.float32).to(device)[:, None, None]
        self.augment, self.padding, self.bf16 = tuple(augment), padding, bf16
        self.generator = torch.Generator(device=device).manual_seed(seed)
        self.channels_last = channels_last  # NHWC: faster convolutions for many models

    def __len__(self):
        return math.ceil(len(self.labels) / self.batch_size)

    def __iter__(self):
        n = len(self.labels)
        order = (torch.randperm(n, device=self.device, generator=self.generator) if self.train
                 else torch.arange(n, device=self.device))
        for start in range(0, n, self.batch_size):
            idx = order[start:start + self.batch_size]
            yield self.prepare(self.images[idx]), self.labels[idx]

    def prepare(self, images):
        """uint8 (B, C, H, W) -> the model's float input: augmented (training only),
        normalized per channel, channels-last."""
        if self.channels_last:  # convert while still 1 byte a value; .float() keeps it
            images = images.contiguous(memory_format=torch.channels_last)
        x = images.float()
        if self.train and self.augment:
            x = apply_augment(x.div_(255), self.augment, self.generator, self.padding)
            x = x.sub_(self.mean).div_(self.std)
        else:  # one pass: x / 255 then normalized, as x · 1/(255·std) − mean/std
            x = x.mul_(1 / (255 * self.std)).sub_(self.mean / self.std)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def autocast(self):
        """bf16 autocast where it pays (the `bf16` flag), else float32. Weights, optimizer
        and batch norm stay float32, so no loss scaling is needed."""
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16)
