"""dlcourse: a hands-on deep-learning course that runs in your terminal."""

__version__ = "0.1.0"
