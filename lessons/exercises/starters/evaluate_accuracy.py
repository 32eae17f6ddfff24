"""Evaluation: eval mode, no gradients, accuracy per image.

Write `evaluate(model, loader)`: the fraction of images whose highest-scoring class is
the label (a float in [0, 1]), counted per image over the whole loader. Switch the model
to evaluation mode (dropout off) and turn gradients off while predicting. The post
averaged each batch's accuracy instead, which is wrong whenever the last batch is
smaller: the check uses such loaders, and a model with dropout.

    dlcourse exercise check evaluate-accuracy
"""

import torch
from torch import nn


def evaluate(model, loader):
    """Accuracy per image over all of the loader's batches, in eval mode, without gradients."""
    raise NotImplementedError("count the correct predictions, then divide by the images")


if __name__ == "__main__":
    from torch.utils.data import DataLoader, TensorDataset

    X, y = torch.randn(10, 4), torch.randint(0, 3, (10,))
    model = nn.Sequential(nn.Linear(4, 16), nn.Dropout(0.5), nn.Linear(16, 3))
    print(evaluate(model, DataLoader(TensorDataset(X, y), batch_size=4)))
