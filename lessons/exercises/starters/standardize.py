"""Standardization with training statistics only.

Write the class `Standardizer`: `fit(X_train)` learns each column's mean and standard
deviation from the training rows (X_train has shape (N, F)) and returns self;
`transform(X)` returns (X − mean) / std with those training statistics, whatever rows
X holds. The test rows must never influence the statistics: the check looks for leaks.

    dlcourse exercise check standardize
"""

import torch


class Standardizer:
    """Per-column standardization, fitted on the training rows only."""

    def fit(self, X_train):
        """Learn each column's mean and std from X_train (N, F); return self."""
        raise NotImplementedError("store the training rows' per-column mean and std")

    def transform(self, X):
        """(X − mean) / std, with the statistics fit() learned: shape (M, F)."""
        raise NotImplementedError


if __name__ == "__main__":
    X_train = torch.randn(100, 3) * 5 + 10
    X_test = torch.randn(20, 3) * 5 + 12
    scaler = Standardizer().fit(X_train)
    print(scaler.transform(X_train).mean(dim=0))  # about 0 for every column
    print(scaler.transform(X_test).mean(dim=0))  # not 0: the test rows are different
