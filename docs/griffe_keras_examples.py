"""A griffe extension for the API reference: Keras-style `Example:` sections as examples.

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
