"""Every registered Lipschitz method and architecture passes the shared checks of `harness`."""

import pytest
from harness import run_architecture_test, run_lipschitz_method_test

from keras_wgan import architectures, penalties


@pytest.mark.parametrize("name", penalties.names())
def test_lipschitz_method(name):
    run_lipschitz_method_test(name)


@pytest.mark.parametrize("name", architectures.names())
def test_architecture(name, tmp_path):
    run_architecture_test(name, tmp_path)


def test_the_registries_find_the_registered_classes():
    # Each module's registered class, found by reading the package's files.
    assert {"gp", "lp", "pairwise", "clip", "none", "gp0", "r1", "wgan_div", "ctgan"} <= set(
        penalties.names()
    )
    assert {"mlp", "dcgan", "kerasio", "resnet"} <= set(architectures.names())
    assert penalties.names() == tuple(sorted(penalties.METHODS))
    assert architectures.names() == tuple(sorted(architectures.ARCHITECTURES))
