"""Moved to `keras_wgan.data.idx`; this import path keeps working until its importers move.

The old name is the new module itself (one object in `sys.modules`).
"""

import sys

from keras_wgan.data import idx as _moved

sys.modules[__name__] = _moved
