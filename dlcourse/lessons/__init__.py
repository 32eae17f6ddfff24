"""One teaching module per lesson: its Config, its model or maths, and run()."""
