"""pytest's collection at the repository root: the doctests of the package (see pyproject.toml).

The modules kept only as aliases of a moved module (`keras_wgan/metrics.py` is
`keras_wgan.evaluation.metrics`, for one release) are not collected: their
doctests are the moved module's, and pytest refuses a module whose `__file__`
is another file's.
"""

from pathlib import Path

_ALIAS = "sys.modules[__name__] = _moved"

_PACKAGE = Path(__file__).parent / "keras_wgan"
collect_ignore = [str(path) for path in sorted(_PACKAGE.glob("*.py")) if _ALIAS in path.read_text()]
