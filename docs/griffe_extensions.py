"""Griffe extensions for the API reference: Keras-style examples, each object documented once.

The package's docstrings follow Keras's dialect, where an example is written
under `Example:` without indentation:

    Example:
    >>> 1 + 1
    2

Google style, as griffe parses it, wants the section's lines indented under
its header; unindented, the doctest would be rendered as Markdown (`>>>` as
nested block quotes). This extension indents such a section before griffe
parses the docstring, so the doctests are rendered as code. It also drops
the blank lines between an example's header and its code (griffe reads such
a header as plain text), fences an indented example that is plain code, and
dedents a fenced block indented in the text before the sections (Markdown
would show its fence). It changes only what the documentation site shows,
never the package.

`DefinedOnce` documents each object of a package where it is defined: the
API pages render a package with its submodules (`show_submodules`), so the
names a package face re-exports from its own submodules would appear twice,
and the names a module re-exports from another (`keras_wgan.training`'s
`build_gan`, from `keras_wgan.builder`) would appear on two pages; this
extension leaves each to the module that defines it. A lazy face (PEP 562
`__getattr__`), which griffe cannot follow, is then documented the same way
as an eager one.
"""

import re

import griffe

# A Google-style section header at the docstring's first level, e.g. "Args:".
_HEADER = re.compile(r"^[A-Z][A-Za-z ]*:\s*$")
_EXAMPLE_HEADERS = ("Example:", "Examples:")


def indent_examples(text):
    """Makes every `Example:` section one griffe renders as code.

    An unindented (Keras-style) section is indented by four spaces; blank
    lines between the header and the example are dropped (griffe reads a
    header followed by a blank line as plain text); and an indented example
    that is neither a doctest nor a fenced block (plain code) is fenced as
    Python.

    Args:
        text: a docstring, already dedented.

    Returns:
        The docstring with its example sections indented under `Examples:`.

    Examples:
        >>> indent_examples("Adds.\\n\\nExample:\\n>>> 1 + 1\\n2")
        'Adds.\\n\\nExamples:\\n    >>> 1 + 1\\n    2'
        >>> indent_examples("Example:\\n\\n```python\\nf()\\n```")
        'Examples:\\n    ```python\\n    f()\\n    ```'
        >>> indent_examples("Example:\\n    f()\\n\\nReturns:\\n    x")
        'Examples:\\n    ```python\\n    f()\\n    ```\\n\\nReturns:\\n    x'
    """
    out = []
    mode = None  # None: outside an example; "pending": header seen; "indent", "keep" or "fence"

    def close_fence():
        # The closing fence goes before the blank lines that end the section.
        blanks = 0
        while out and not out[-1].strip():
            out.pop()
            blanks += 1
        out.append("    ```")
        out.extend([""] * blanks)

    for line in text.splitlines():
        if not line.startswith(" ") and line.strip() in _EXAMPLE_HEADERS:
            if mode == "fence":
                close_fence()
            mode = "pending"
            out.append("Examples:")
            continue
        if mode is not None and _HEADER.match(line):
            if mode == "fence":
                close_fence()
            mode = None  # the next section starts
        if mode == "pending":
            if not line.strip():
                continue  # griffe wants the example right under its header
            if not line.startswith(" "):
                mode = "indent"  # Keras style
            elif line.lstrip().startswith((">>>", "```")):
                mode = "keep"  # Google style
            else:
                mode = "fence"  # plain indented code
                out.append("    ```python")
        if mode == "indent" and line:
            line = "    " + line
        out.append(line)
    if mode == "fence":
        close_fence()
    return "\n".join(out)


def dedent_fences(text):
    """Dedents the fenced code blocks indented inside the docstring's plain text.

    Markdown reads a fence indented by four spaces in a paragraph as an
    indented code block, showing the fence itself; griffe dedents the blocks
    of a section, not those of the text before the sections.

    Args:
        text: a docstring, already dedented.

    Returns:
        The docstring with those blocks at the text's own indentation.

    Examples:
        >>> dedent_fences("In `a.py`:\\n\\n    ```python\\n    f()\\n    ```")
        'In `a.py`:\\n\\n```python\\nf()\\n```'
    """
    out = []
    in_section = False
    fence = None  # the indentation of the fence being dedented
    for line in text.splitlines():
        if fence is not None:
            out.append(line[len(fence) :] if line.startswith(fence) else line)
            if line.strip() == "```":
                fence = None
            continue
        if _HEADER.match(line):
            in_section = True
        elif line.strip() and not line.startswith(" "):
            in_section = False
        elif not in_section and line.lstrip().startswith("```") and line.startswith(" "):
            fence = line[: len(line) - len(line.lstrip())]
            out.append(line.lstrip())
            continue
        out.append(line)
    return "\n".join(out)


class KerasExamples(griffe.Extension):
    """Rewrites the example sections and fenced blocks of every docstring griffe loads."""

    def on_instance(self, *, obj, **kwargs):
        """Makes the examples and fenced blocks of `obj`'s docstring render as code."""
        if obj.docstring is not None:
            obj.docstring.value = dedent_fences(indent_examples(obj.docstring.value))


class DefinedOnce(griffe.Extension):
    """Drops every module's re-exports of the package's objects; each is documented once."""

    def on_package(self, *, pkg, **kwargs):
        """Prunes the re-exports of every module inside `pkg`."""
        _prune(pkg, pkg)


def _is_module(package, path):
    """Whether `path` names a module of `package`, found without resolving any alias."""
    obj = package
    for name in path.split(".")[len(package.path.split(".")) :]:
        obj = obj.members.get(name)
        if obj is None or obj.is_alias:
            return False
    return obj.is_module


def _prune(module, package):
    """Removes from `module` (and its submodules) the aliases of `package`'s objects.

    A name a module imports from another module of the package (a package
    face's re-exports, `keras_wgan.training.build_gan` from
    `keras_wgan.builder`) stays importable; its page is the defining module's.
    """
    for member in list(module.members.values()):
        if not member.is_alias and member.is_module:  # a real submodule, not an imported one
            _prune(member, package)
    prefix = package.path + "."
    for name, member in list(module.members.items()):
        if (
            member.is_alias
            and member.target_path.startswith(prefix)
            and not _is_module(package, member.target_path)
        ):
            module.del_member(name)
