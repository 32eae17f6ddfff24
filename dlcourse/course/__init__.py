"""The runner and everything the learner sees: catalogue, options, run context, rendering,
pauses, quizzes and the live training display. It sits on top: it imports the lessons, the
engine and the data layer, and nothing below imports it."""
