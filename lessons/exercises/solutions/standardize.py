"""Standardization with training statistics only."""

import torch


class Standardizer:
    """Per-column standardization, fitted on the training rows only."""

    def fit(self, X_train):
        """Learn each column's mean and std from X_train (N, F); return self."""
        self.mean = X_train.mean(dim=0)  # (F,)
        self.std = X_train.std(dim=0)  # (F,)
        return self  # so that Standardizer().fit(X) reads as one step

    def transform(self, X):
        """(X − mean) / std, with the statistics fit() learned: shape (M, F)."""
        # the training statistics, broadcast over the rows: the test rows are scaled
        # exactly as the model will see new data, without peeking at their own mean
        return (X - self.mean) / self.std


if __name__ == "__main__":
    X_train = torch.randn(100, 3) * 5 + 10
    X_test = torch.randn(20, 3) * 5 + 12
    scaler = Standardizer().fit(X_train)
    print(scaler.transform(X_train).mean(dim=0))  # about 0 for every column
    print(scaler.transform(X_test).mean(dim=0))  # not 0: the test rows are different
