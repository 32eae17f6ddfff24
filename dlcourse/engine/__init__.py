"""The training engine: the on-device batch iterator, augmentation, the one training loop,
checkpoints. It knows nothing of the runner: it takes what it needs as arguments and
returns what happened."""
