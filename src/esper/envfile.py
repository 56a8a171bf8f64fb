"""Read a services ``.env`` exactly as docker compose reads it.

The same file configures the containers (through compose) and the library, so both must see the
same values. python-dotenv does not interpolate by default and drops malformed lines with a
warning; compose expands ``$VAR`` and refuses malformed files. This module follows compose's own
parser (compose-spec/compose-go ``dotenv``, which ``docker compose`` uses for the project
``.env``):

- ``KEY=value`` or ``KEY: value``, optionally after ``export``; ``#`` starts a comment line, and
  `` #`` (space, hash) an inline comment in an unquoted value.
- Single-quoted values are literal (only ``\\'`` is an escape) and may span lines.
- Double-quoted values take the escapes ``\\n \\r \\t \\" \\\\ \\$`` (and ``\\a \\b \\f \\v``,
  ``\\0NNN``) and are then interpolated; unquoted values are trimmed and interpolated.
- Interpolation: ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
  ``${VAR:+alt}``, ``${VAR+alt}``, ``${VAR:?}``, ``${VAR?}``; ``$$`` is a literal ``$``. A name is
  looked up in the process environment first, then among the keys defined earlier in the file;
  an unknown name expands to the empty string (compose warns).
- A line holding only a name takes that name's value from the process environment, if it is set.

Every problem is an ``EnvFileError`` naming the line and the variable, never the value (the
value is usually a secret).
"""

import re
import unicodedata
from collections.abc import Callable, Mapping

_EXPORT = re.compile(r"export[\t\n\f\r ]+")
_ESCAPE = re.compile(r"\\(?:[abcfnrtv$\"\\]|0[0-9]{0,3})")
_TEMPLATE = re.compile(
    r"\$(?i:(?P<escaped>\$)|(?P<named>[_a-z][_a-z0-9]*)"
    r"|\{(?:(?P<braced>[_a-z][_a-z0-9]*(?::?[-+?](.*))?)\}|(?P<invalid>)))"
)
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    '"': '"',
    "\\": "\\",
}
_OPERATORS = (":?", "?", ":-", "-", ":+", "+")

Lookup = Callable[[str], str | None]


class EnvFileError(ValueError):
    """A ``.env`` that compose would refuse; the message holds a line number and at most a
    variable name."""

    def __init__(self, line: int, problem: str, key: str | None = None) -> None:
        self.line = line
        self.key = key
        super().__init__(f"line {line}: {key + ' ' if key else ''}{problem}")


class _TemplateError(Exception):
    """An interpolation problem, reported by the caller with the line and key."""


def _is_space(char: str) -> bool:
    """Blank but not a line break (compose-go's ``isSpace``)."""
    return char in "\t\v\f\r \x85\xa0"


def _is_unicode_space(char: str) -> bool:
    """Go's ``unicode.IsSpace``: Python's ``isspace`` less the four information separators."""
    return char.isspace() and char not in "\x1c\x1d\x1e\x1f"


def _rstrip_unicode_space(text: str) -> str:
    end = len(text)
    while end and _is_unicode_space(text[end - 1]):
        end -= 1
    return text[:end]


def parse_env(text: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The variables a ``.env`` text defines, interpolated against ``environ`` as compose does.

    Raises ``EnvFileError`` for a file compose would refuse.
    """
    out: dict[str, str] = {}

    def lookup(name: str) -> str | None:
        return environ[name] if name in environ else out.get(name)

    text = text.removeprefix("\ufeff")
    pos = 0
    while True:
        pos = _statement_start(text, pos)
        if pos < 0:
            return out
        line = text.count("\n", 0, pos) + 1
        key, pos, inherited = _key(text, pos, line)
        if inherited:
            value = lookup(key)
            if value is not None:
                out[key] = value
            continue
        value, pos = _value(text, pos, line, key, lookup)
        out[key] = value


def _statement_start(text: str, pos: int) -> int:
    """The index of the next statement at or after ``pos`` (blank and comment lines skipped),
    or -1 at the end of the text."""
    while True:
        while pos < len(text) and _is_unicode_space(text[pos]):
            pos += 1
        if pos >= len(text):
            return -1
        if text[pos] != "#":
            return pos
        pos = text.find("\n", pos)
        if pos < 0:
            return -1


def _key(text: str, pos: int, line: int) -> tuple[str, int, bool]:
    """The variable name at ``pos``, the index of its value, and whether the line is a bare name
    (its value then comes from the environment)."""
    if _EXPORT.match(text, pos):
        pos += len("export")
        while pos < len(text) and _is_space(text[pos]):
            pos += 1
    start, end, inherited = pos, len(text), True
    for index in range(pos, len(text)):
        char = text[index]
        if _is_space(char):
            continue
        if char in "=:\n":
            end, inherited = index, char == "\n"
            break
        if char not in "_.-[]" and unicodedata.category(char)[0] not in "LN":
            raise EnvFileError(
                line,
                "is not a KEY=value line (a name holds only letters, digits and _ . - [ ])",
            )
    key = _rstrip_unicode_space(text[start:end])
    if " " in key:
        raise EnvFileError(line, "has a space in its variable name")
    pos = end + 1
    while pos < len(text) and _is_space(text[pos]):
        pos += 1
    return key, pos, inherited


def _value(text: str, pos: int, line: int, key: str, lookup: Lookup) -> tuple[str, int]:
    """The value starting at ``pos`` and the index after it."""
    quote = text[pos] if pos < len(text) and text[pos] in "'\"" else ""
    if not quote:
        newline = text.find("\n", pos)
        end = len(text) if newline < 0 else newline
        raw = _rstrip_unicode_space(text[pos:end].split(" #", 1)[0])
        return _interpolate(raw, lookup, line, key), min(end + 1, len(text))
    chars: list[str] = []
    escaped = False
    for index in range(pos + 1, len(text)):
        char = text[index]
        if char != quote:
            if not escaped and char == "\\":
                escaped = True
                continue
            if escaped:
                escaped = False
                chars.append("\\")
            chars.append(char)
            continue
        if escaped:
            escaped = False
            chars.append(char)
            continue
        value = "".join(chars)
        if quote == '"':
            value = _interpolate(_unescape(value), lookup, line, key)
        return value, index + 1
    raise EnvFileError(line, "has an unterminated quoted value", key)


def _unescape(value: str) -> str:
    """Double-quoted escapes; ``\\$`` becomes ``$$`` so interpolation keeps it literal."""

    def _one(match: re.Match[str]) -> str:
        sequence = match.group(0)
        if sequence == "\\$":
            return "$$"
        if sequence.startswith("\\0"):
            digits = sequence[2:]
            if len(digits) == 3 and set(digits) <= set("01234567") and int(digits, 8) <= 255:
                return chr(int(digits, 8))
            return sequence
        return _SIMPLE_ESCAPES.get(sequence[1], sequence)

    return _ESCAPE.sub(_one, value)


def _interpolate(value: str, lookup: Lookup, line: int, key: str) -> str:
    try:
        return _substitute(value, lookup)
    except _TemplateError as exc:
        raise EnvFileError(line, str(exc), key) from None


def _substitute(template: str, lookup: Lookup) -> str:
    return _TEMPLATE.sub(lambda match: _replace(match.group(0), lookup), template)


def _replace(substring: str, lookup: Lookup) -> str:
    """One ``$...`` match, as compose-go's ``DefaultReplacementAppliedFunc``."""
    operator = _first_operator(substring)
    close = _first_closing_brace(substring)
    rest = ""
    if close > -1:
        substring, rest = substring[: close + 1], substring[close + 1 :]
    match = _TEMPLATE.match(substring)
    if match is None or match.group("escaped"):
        return "$"
    name = match.group("named")
    if name:
        return lookup(name) or ""
    braced = match.group("braced")
    if not braced:
        raise _TemplateError("has an invalid ${...} substitution (write $$ for a literal $)")
    if operator is not None and operator in braced:
        return _apply(braced, operator, lookup) + _substitute(rest, lookup)
    return lookup(braced) or ""


def _first_operator(substring: str) -> str | None:
    found = [(substring.find(op), op) for op in _OPERATORS if op in substring]
    return min(found)[1] if found else None


def _first_closing_brace(text: str) -> int:
    depth = 0
    index = 0
    while index < len(text):
        if text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
        if text[index] == "{":
            depth += 1
            index += 1
        index += 1
    return -1


def _apply(braced: str, operator: str, lookup: Lookup) -> str:
    name, argument = braced.split(operator, 1)
    value = lookup(name)
    empty_counts = operator.startswith(":")
    missing = value is None or (empty_counts and value == "")
    if operator.endswith("?"):
        if missing:
            raise _TemplateError(f"requires {name}, which is unset or empty")
        return value or ""
    if operator.endswith("-"):
        return _substitute(argument, lookup) if missing else (value or "")
    return "" if missing else _substitute(argument, lookup)
