"""Rendering the templates of `harness init` (`harness/scaffold/templates/`) with Jinja2.

The templates are real files (`raw/conftest.py.jinja`, ...), named so that neither pytest nor a
linter takes them for Python. They ship as package data and are read with `importlib.resources`,
so they are found in an installed wheel as in a checkout. This module only sets the engine up:
undefined variables are errors, whitespace control keeps the generated code tidy, and two
filters write values in the syntax of the file being generated (`py` for Python literals, `toml`
for TOML ones).
"""

from __future__ import annotations

import json
import os
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import jinja2
import tomlkit

# Package data of `harness.scaffold` (see [tool.setuptools.package-data] in pyproject.toml).
TEMPLATES: Traversable = files("harness.scaffold") / "templates"


class TemplateError(Exception):
    """A template is missing or does not render; the message names the template."""


def python_literal(value: Any) -> str:
    """A Python literal, double-quoted for strings as the generated code's style wants."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return (
            "("
            + ", ".join(python_literal(v) for v in value)
            + ("," if len(value) == 1 else "")
            + ")"
        )
    return repr(value)


def toml_literal(value: Any) -> str:
    return tomlkit.item(value).as_string()


def relative_posix(target: Path, start: Path) -> str:
    """`target` relative to `start`, with forward slashes (it ends up in generated source)."""
    try:
        return Path(os.path.relpath(target, start)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return target.as_posix()


def _packaged_template(name: str) -> str | None:
    """The source of a packaged template ("raw/conftest.py.jinja"); None when there is none."""
    resource = TEMPLATES.joinpath(*name.split("/"))
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


def _environment(templates_dir: Path | None) -> jinja2.Environment:
    loader: jinja2.BaseLoader = (
        jinja2.FunctionLoader(_packaged_template)
        if templates_dir is None
        else jinja2.FileSystemLoader(templates_dir)
    )
    environment = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # the output is Python and TOML source, not HTML
    )
    environment.filters["py"] = python_literal
    environment.filters["toml"] = toml_literal
    return environment


def render(template: str, templates_dir: Path | None = None, **context: Any) -> str:
    """Render `template` (a path inside the packaged templates, or inside `templates_dir`)."""
    directory = templates_dir or TEMPLATES
    try:
        return _environment(templates_dir).get_template(template).render(**context)
    except jinja2.TemplateNotFound:
        raise TemplateError(f"template {template!r} not found in {directory}") from None
    except jinja2.TemplateError as error:
        where = f"{template}:{error.lineno}" if getattr(error, "lineno", None) else template
        raise TemplateError(f"{directory}/{where}: {error}") from error
