"""Moved to `keras_wgan.evaluation.command`; this import path keeps working for one release.

`python -m keras_wgan.evaluate` and the `keras-wgan-evaluate` console script
(`keras_wgan.evaluate:run`) run the command line of `keras_wgan.evaluation`.
The old name is the new module itself (one object in `sys.modules`).
"""

import sys

from keras_wgan.evaluation import command as _moved

if __name__ == "__main__":
    _moved.run()
else:
    sys.modules[__name__] = _moved
