"""Exercises the learner writes and the course checks."""
