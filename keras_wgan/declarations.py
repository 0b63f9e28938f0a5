"""The declarations of registered classes, read from their source without importing it.

A registered thing (a Lipschitz method, an architecture) is a class in a
module that imports TensorFlow or Keras. Its declarations, the class
attributes that name it and declare its options (`keras_wgan.options.Option`),
are needed by what must stay light: the command line's flags and `--help`,
`keras_wgan.settings`. `read` finds them in the module's source: it runs the
module's imports of light modules (named by the caller), then evaluates the
declared class attributes of each class in that namespace. The module itself
is not imported, so neither is TensorFlow.

The rule this puts on a registered class: its declaration attributes are
written in its class body, as expressions of literals and of names imported
from the light modules. The registries check, in their tests, that what is
read here equals what the imported class holds.

Example:
>>> from keras_wgan import declarations
>>> [entry["name"] for entry in declarations.read(
...     "keras_wgan.penalties.wgan_gp", ("name",),
...     light=("keras_wgan.options", "keras_wgan.penalties.options"))]
['gp']
"""

from __future__ import annotations

import ast
import importlib.util
import pathlib
from typing import Any

__all__ = ["module_names", "read"]


def module_names(package: str) -> list[str]:
    """The modules of a package (not its subpackages), by file name, without importing them.

    Args:
        package: a package's dotted name, e.g. "keras_wgan.penalties".

    Returns:
        Dotted module names, sorted, leaving out `__init__` and names starting with "_".
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"no package named {package!r}")
    folder = pathlib.Path(next(iter(spec.submodule_search_locations)))
    return [
        f"{package}.{path.stem}"
        for path in sorted(folder.glob("*.py"))
        if not path.stem.startswith("_")
    ]


def read(module: str, attributes: tuple[str, ...], light: tuple[str, ...]) -> list[dict]:
    """The declared attributes of each class of `module` that declares `attributes[0]`.

    Args:
        module: a dotted module name, found (not imported) with importlib.
        attributes: the class attributes to read; the first marks a
            declaration (a class whose body does not assign it, or assigns
            it None, is left out). The others are optional.
        light: the modules whose `from <module> import ...` statements (and
            `from <package> import <module>`) are run to evaluate the
            attributes; they must import neither TensorFlow nor Keras.

    Returns:
        One dict per declaring class, in source order: "class" (its name),
        "doc" (its docstring), "module", and each attribute assigned in its body.

    Raises:
        NameError: for an attribute that uses a name not imported from a light module.
    """
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"no module named {module!r}")
    origin = spec.origin
    tree = ast.parse(pathlib.Path(origin).read_text(), origin)
    namespace: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            # `from light import x`, or `from package import light_module`.
            names = [
                alias
                for alias in node.names
                if node.module in light or f"{node.module}.{alias.name}" in light
            ]
            if names:
                statement = ast.ImportFrom(node.module, names, 0)
                exec(
                    compile(ast.fix_missing_locations(ast.Module([statement], [])), origin, "exec"),
                    namespace,
                )
    found = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        assigned = {
            target.id: statement.value
            for statement in node.body
            if isinstance(statement, ast.Assign)
            for target in statement.targets
            if isinstance(target, ast.Name)
        }
        marker = assigned.get(attributes[0])
        if marker is None or (isinstance(marker, ast.Constant) and marker.value is None):
            continue
        entry = {"class": node.name, "doc": ast.get_docstring(node), "module": module}
        for name in attributes:
            if name in assigned:
                expression = ast.Expression(assigned[name])
                entry[name] = eval(compile(expression, origin, "eval"), dict(namespace))
        found.append(entry)
    return found
