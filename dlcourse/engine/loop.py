"""The training loop every image lesson runs, and the evaluation after each epoch."""

import torch


def train_one_epoch(model, loader, loss_fn, optimizer, scheduler=None, watch=None):
    """One pass over the training batches; returns (mean loss, accuracy)."""
    model.train()
    # the sums stay tensors: a .item() per step would make a GPU wait for every batch
    total_loss = torch.zeros((), device=loader.device)
    correct = torch.zeros((), device=loader.device, dtype=torch.long)
    for inputs, targets in loader:
        with loader.autocast():
            logits = model(inputs)  # (B, classes)
            loss = loss_fn(logits, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()  # per batch, after optimizer.step(): the order PyTorch expects
        total_loss += loss.detach() * len(targets)
        correct += (logits.argmax(dim=1) == targets).sum()
        if watch is not None:
            watch.step(loss, correct, len(targets))  # progress; stops on divergence or Ctrl-C
    n = len(loader.labels)
    return total_loss.item() / n, correct.item() / n


@torch.no_grad()
def evaluate(model, loader, loss_fn):
    """Mean loss, accuracy, every prediction and how sure the model was of it (its top
    softmax probability), with training-only layers (dropout) off."""
    model.eval()
    total_loss, predictions, confidence = 0.0, [], []
    for inputs, targets in loader:
        with loader.autocast():
            logits = model(inputs)
        total_loss += loss_fn(logits.float(), targets).item() * len(targets)
        sure, predicted = logits.float().softmax(dim=1).max(dim=1)  # (B,) each
        predictions.append(predicted)
        confidence.append(sure)
    predictions = torch.cat(predictions)
    n = len(loader.labels)
    accuracy = (predictions == loader.labels).float().mean().item()
    return total_loss / n, accuracy, predictions, torch.cat(confidence)
