"""The one data layer: formats, cache, downloads, imports, image folders, bundled sample.

Lessons get their data through `dlcourse.data.loaders` (via the lesson runner) and never
open files themselves. This package's __init__ stays empty so that `dlcourse data path`
and `status` do not pay for importing torch.
"""
