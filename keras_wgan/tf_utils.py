"""Deprecated: the names of `keras_wgan.tf_utils`, now in the modules they serve.

`input_gradient` is in `keras_wgan.penalties`; `num_replicas`, `replica_id`
and `variable_value` in `keras_wgan.distribute`; `step_logs` and `step_seed`
in `keras_wgan.model`. This module re-exports them for one release.
"""

import warnings

from keras_wgan.distribute import num_replicas, replica_id, variable_value
from keras_wgan.model import step_logs, step_seed
from keras_wgan.penalties.gradients import input_gradient

__all__ = ["input_gradient", "num_replicas", "replica_id", "step_logs", "step_seed",
           "variable_value"]

warnings.warn("keras_wgan.tf_utils is deprecated: import input_gradient from "
              "keras_wgan.penalties, num_replicas, replica_id and variable_value from "
              "keras_wgan.distribute, step_logs and step_seed from keras_wgan.model",
              DeprecationWarning, stacklevel=2)
