"""Moved to `keras_wgan.evaluation.pictures`; this import path keeps working for one release.

The old name is the new module itself (one object in `sys.modules`), so its
private names and monkeypatching keep working too.
"""

import sys

from keras_wgan.evaluation import pictures as _moved

sys.modules[__name__] = _moved
