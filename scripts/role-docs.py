#!/usr/bin/env python3
"""Generate each role's README variables table from its meta/argument_specs.yml.

The argument spec (entry point `main`) is the one written description of a role's variables;
the README table between the marker comments below is rendered from it and nothing else:

    <!-- BEGIN generated from meta/argument_specs.yml -->
    | variable | default | meaning |
    ...
    <!-- END generated from meta/argument_specs.yml -->

Everything outside the markers is left as written. Rows follow the spec's option order; the
default column is the spec's `default` (rendered as YAML flow), or "computed" for an option
whose default in defaults/main.yml is a Jinja expression (the spec then has no `default` and
its description says what it defaults to); the meaning is the description, with Ansible's
markup (C(), V(), O(), I(), B(), U(), as ansible-doc reads it) turned into Markdown, followed
by the choices where the spec lists them.

    python scripts/role-docs.py            rewrite the tables
    python scripts/role-docs.py --check    exit 1 and print a diff when a table is out of date
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "<!-- BEGIN generated from meta/argument_specs.yml -->"
END = "<!-- END generated from meta/argument_specs.yml -->"
SPEC = Path("meta/argument_specs.yml")
COMPUTED = "*computed*"

# Ansible documentation markup -> Markdown (code for code, option and value references).
MARKUP = re.compile(r"\b([CVOIBU])\(([^()]*)\)")


class RoleDocsError(Exception):
    """A role whose spec or README the script cannot work with."""


def _reads_back(text: str) -> bool:
    """Whether YAML reads the unquoted text back as the same string."""
    try:
        return bool(yaml.safe_load(text) == text)
    except yaml.YAMLError:
        return False


def render_value(value: Any) -> str:
    """A YAML value in flow style, the way one would write it in defaults/main.yml."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        if value == "" or value != value.strip() or not _reads_back(value):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return value
    if isinstance(value, list):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = (f"{render_value(k)}: {render_value(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise RoleDocsError(f"cannot render a default of type {type(value).__name__}: {value!r}")


def code(text: str) -> str:
    """A Markdown code span that is safe inside a table cell."""
    text = text.replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def plain(text: str) -> str:
    """Prose for a table cell: no raw HTML, no cell breaks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")


def render_markup(text: str) -> str:
    out: list[str] = []
    pos = 0
    for match in MARKUP.finditer(text):
        out.append(plain(text[pos : match.start()]))
        kind, inner = match.groups()
        if kind in "CVO":
            out.append(code(inner))
        elif kind == "I":
            out.append(f"*{plain(inner)}*")
        elif kind == "B":
            out.append(f"**{plain(inner)}**")
        else:  # U
            out.append(f"<{inner}>")
        pos = match.end()
    out.append(plain(text[pos:]))
    return "".join(out)


def meaning(name: str, option: dict[str, Any]) -> str:
    description = option.get("description")
    if isinstance(description, list):
        description = " ".join(str(paragraph) for paragraph in description)
    if not isinstance(description, str) or not description.strip():
        raise RoleDocsError(f"option {name} has no description")
    text = render_markup(" ".join(description.split()))
    choices = option.get("choices")
    if choices:
        text += " Choices: " + ", ".join(code(render_value(c)) for c in choices) + "."
    return text


def load_options(role: Path) -> dict[str, dict[str, Any]]:
    path = role / SPEC
    with path.open(encoding="utf-8") as stream:
        spec = yaml.safe_load(stream)
    try:
        options = spec["argument_specs"]["main"]["options"]
    except (KeyError, TypeError) as err:
        raise RoleDocsError(f"{path}: no argument_specs.main.options") from err
    if not isinstance(options, dict):
        raise RoleDocsError(f"{path}: argument_specs.main.options is not a mapping")
    return options


def render_table(role: Path) -> str:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, option in load_options(role).items():
        default = code(render_value(option["default"])) if "default" in option else COMPUTED
        lines.append(f"| {code(name)} | {default} | {meaning(name, option)} |")
    return "\n".join(lines)


def updated_readme(role: Path, readme: str) -> str:
    """The README with the text between the markers replaced by the generated table."""
    begin, end = readme.count(BEGIN), readme.count(END)
    if begin != 1 or end != 1:
        raise RoleDocsError(
            f"{role / 'README.md'}: needs exactly one {BEGIN} and one {END} "
            f"(found {begin} and {end})"
        )
    head, rest = readme.split(BEGIN)
    _, tail = rest.split(END)
    if not tail.startswith("\n"):
        tail = "\n" + tail
    return f"{head}{BEGIN}\n{render_table(role)}\n{END}{tail}"


def roles_with_specs(roles_dir: Path) -> list[Path]:
    return sorted(path.parent.parent for path in roles_dir.glob(f"*/{SPEC}"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 and print a diff when a README table is out of date",
    )
    parser.add_argument(
        "--roles-dir", type=Path, default=ROOT / "roles", help="default: the repository's roles/"
    )
    args = parser.parse_args(argv)

    roles = roles_with_specs(args.roles_dir)
    if not roles:
        print(f"role-docs: no {SPEC} under {args.roles_dir}", file=sys.stderr)
        return 2
    stale: list[Path] = []
    for role in roles:
        path = role / "README.md"
        try:
            current = path.read_text(encoding="utf-8")
            wanted = updated_readme(role, current)
        except (OSError, RoleDocsError, yaml.YAMLError) as err:
            print(f"role-docs: {err}", file=sys.stderr)
            return 2
        if current == wanted:
            continue
        stale.append(path)
        if args.check:
            sys.stdout.writelines(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    wanted.splitlines(keepends=True),
                    fromfile=f"{path} (as written)",
                    tofile=f"{path} (generated from {SPEC})",
                )
            )
        else:
            path.write_text(wanted, encoding="utf-8")
            print(f"role-docs: rewrote {path}")
    if args.check and stale:
        print(
            f"role-docs: {len(stale)} README table(s) out of date; "
            "run python scripts/role-docs.py and commit the result",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
