"""Griffe extensions for the API reference: Keras-style examples, each object documented once.

The package's docstrings follow Keras's dialect, where an example is written
under `Example:` without indentation:

    Example:
    >>> 1 + 1
    2

Google style, as griffe parses it, wants the section's lines indented under
its header; unindented, the doctest would be rendered as Markdown (`>>>` as
nested block quotes). This extension indents such a section before griffe
parses the docstring, so the doctests are rendered as code. It changes only
what the documentation site shows, never the package.

`DefinedOnce` documents each object of a package where it is defined: the
API pages render a package with its submodules (`show_submodules`), so the
names a package face re-exports from its own submodules would appear twice;
this extension leaves them to their submodules. A lazy face (PEP 562
`__getattr__`), which griffe cannot follow, is then documented the same way
as an eager one.
"""

import re

import griffe

# A Google-style section header at the docstring's first level, e.g. "Args:".
_HEADER = re.compile(r"^[A-Z][A-Za-z ]*:\s*$")
_EXAMPLE_HEADERS = ("Example:", "Examples:")


def indent_examples(text):
    """Indents the lines under each unindented `Example:` header by four spaces.

    Args:
        text: a docstring, already dedented.

    Returns:
        The docstring with its example sections indented under `Examples:`.

    Examples:
        >>> indent_examples("Adds.\\n\\nExample:\\n>>> 1 + 1\\n2")
        'Adds.\\n\\nExamples:\\n    >>> 1 + 1\\n    2'
    """
    out = []
    mode = None  # None: outside an example; "pending": header seen; "indent" or "keep"
    for line in text.splitlines():
        if not line.startswith(" ") and line.strip() in _EXAMPLE_HEADERS:
            mode = "pending"
            out.append("Examples:")
            continue
        if mode is not None and _HEADER.match(line):
            mode = None  # the next section starts
        if mode == "pending" and line.strip():
            mode = "keep" if line.startswith(" ") else "indent"  # Google or Keras style
        if mode == "indent" and line:
            line = "    " + line
        out.append(line)
    return "\n".join(out)


class KerasExamples(griffe.Extension):
    """Rewrites Keras-style example sections of every docstring griffe loads."""

    def on_instance(self, *, obj, **kwargs):
        """Indents the example sections of `obj`'s docstring, if it has one."""
        if obj.docstring is not None:
            obj.docstring.value = indent_examples(obj.docstring.value)


class DefinedOnce(griffe.Extension):
    """Drops a package's re-exports of its own submodules' objects from the package's page."""

    def on_package(self, *, pkg, **kwargs):
        """Prunes the re-exports of every package module inside `pkg`."""
        _prune(pkg)


def _prune(module):
    """Removes from `module` (and its subpackages) the aliases of its own submodules' objects."""
    for member in list(module.members.values()):
        if not member.is_alias and member.is_module:  # a real submodule, not an imported one
            _prune(member)
    if not module.is_init_module:  # a plain module re-exports nothing of its own
        return
    prefix = module.path + "."
    for name, member in list(module.members.items()):
        if member.is_alias and member.target_path.startswith(prefix) and not member.is_module:
            module.del_member(name)
