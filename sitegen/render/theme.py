"""Themes as an ordered search path: site templates/, themes/<name>/, the built-in theme.

Each theme folder holds `templates/` (Jinja2) and `static/` (CSS, JS, images).
A file found earlier on the path wins, for templates and static files alike.
Static files are published under content-hashed names so they can be cached forever.
"""
from __future__ import annotations

import hashlib
import logging
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import jinja2
import jinja2.compiler
import markupsafe
from markupsafe import Markup

from sitegen.config import builtin_theme_dir
from sitegen.errors import Problems

log = logging.getLogger(__name__)



def theme_path(root: Path, theme: str, problems: Problems) -> list[Path]:
    """The folders to look in, most specific first."""
    path: list[Path] = []
    overrides = root / "templates"
    if overrides.is_dir():
        path.append(root)  # templates/ and static/ at the site root
    named = root / "themes" / theme
    builtin = builtin_theme_dir()
    if named.is_dir():
        path.append(named)
    elif theme != "default":
        problems.error(f"theme {theme!r} not found at themes/{theme}/", root / "site.yaml",
                       hint="create the folder or set `theme: default`")
    if builtin.resolve() not in {p.resolve() for p in path}:
        path.append(builtin)
    return path


@dataclass
class Assets:
    """Static files by their logical name, each with a hashed public name."""
    files: dict[str, Path] = field(default_factory=dict)
    generated: dict[str, bytes] = field(default_factory=dict)
    _urls: dict[str, str] = field(default_factory=dict)

    def add_generated(self, name: str, data: bytes) -> None:
        self.generated[name] = data
        self._urls.pop(name, None)

    def public_name(self, name: str) -> str:
        if name not in self._urls:
            data = self.generated.get(name)
            if data is None:
                data = self.files[name].read_bytes()
            digest = hashlib.sha256(data).hexdigest()[:10]
            stem, ext = posixpath.splitext(name)
            self._urls[name] = f"static/{stem}.{digest}{ext}"
        return self._urls[name]

    def items(self) -> list[tuple[str, bytes]]:
        out = [(self.public_name(n), p.read_bytes()) for n, p in sorted(self.files.items())
               if n not in self.generated]
        out += [(self.public_name(n), d) for n, d in sorted(self.generated.items())]
        return out


def collect_assets(path: list[Path]) -> Assets:
    assets = Assets()
    for folder in reversed(path):  # later (more specific) folders overwrite
        static = folder / "static"
        if static.is_dir():
            for file in sorted(static.rglob("*")):
                if file.is_file() and not file.name.startswith("."):
                    assets.files[file.relative_to(static).as_posix()] = file
    return assets


# Names a plain dict has as attributes: `d.items` is the method, as in Jinja.
_DICT_ATTRIBUTES = frozenset(dir(dict))


def escape_text(text: str) -> str:
    """markupsafe.escape's text for a str, without wrapping it in a Markup."""
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


try:  # the same in C, where markupsafe has its speedups
    from markupsafe._speedups import _escape_inner as _escape_text
except ImportError:  # pragma: no cover
    _escape_text = escape_text


def escape_output(value: Any) -> str:
    """What `{{ value }}` writes in an autoescaped template: markupsafe.escape's text.

    Jinja calls markupsafe.escape for each value written, which makes a Markup only
    for it to be joined into the page: an episode page writes some 2,000 values.
    """
    if type(value) is str:
        return _escape_text(value)
    if type(value) is Markup:
        return value
    return markupsafe.escape(value)


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's code generator, writing template output through escape_output, and a
    run of output with several values as one joined string: each string yielded
    passes up through the block, the page template and the base template."""

    def visit_Output(self, node: Any, frame: Any) -> None:
        if frame.buffer is not None or frame.require_output_check or len(node.nodes) < 4:
            super().visit_Output(node, frame)
            return
        parts = self.temporary_identifier()
        self.writeline(f"{parts} = []")
        frame.buffer = parts  # Jinja's own code for output inside {% set %} or a macro
        try:
            super().visit_Output(node, frame)
        finally:
            frame.buffer = None
        self.writeline(f"yield concat({parts})")

    def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.escape_output(")
        if finalize.src is not None:
            self.write(finalize.src)


class _Environment(jinja2.Environment):
    """Jinja's environment, rendering what plain Jinja renders, with less work per value:

    - `entry.name` on a plain dict is read as Jinja reads it (the dict's attribute,
      else the item) without raising and catching an AttributeError first: an
      episode page reads some 2,500 dict entries that way;
    - written values are escaped by escape_output (see there).
    """
    code_generator_class = _CodeGenerator
    escape_output = staticmethod(escape_output)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def make_environment(path: list[Path], globals_: dict[str, object],
                     filters: dict[str, Callable]) -> jinja2.Environment:
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(p / "templates")) for p in path])
    env = _Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(globals_)
    env.filters.update(filters)
    return env
