"""Ansible module: keep some KEY=value lines of a dotenv file current, in one pass.

The services .env holds generated secrets beside the keys the role manages (images, ports,
URLs). A loop of `lineinfile` did this one key per task round trip (the converged run's
largest single cost), and under `--diff` each item returned the whole file before and after,
so a drift report printed the secrets on the lines around a changed key. This module reads
the file once, rewrites only the managed lines, keeps every other line byte for byte, and
its diff holds the managed lines alone.
"""

from __future__ import annotations

import os
import re
import tempfile
from typing import Any

from ansible.module_utils.basic import AnsibleModule  # type: ignore[import-untyped]

DOCUMENTATION = r"""
module: esper_env_keys
short_description: Set KEY=value lines in a dotenv file, touching no other line
description:
  - For each key, the last line starting with C(KEY=) is replaced by C(KEY=value); a key
    with no such line is appended. Other lines (secrets, comments, a user's own keys) are
    kept as they are and never appear in the result or the diff.
options:
  path:
    description: The dotenv file; it must exist.
    type: path
    required: true
  keys:
    description: Keys and their values; the values must not be secrets (they are in the diff).
    type: dict
    required: true
extends_documentation_fragment: [files]
"""

RETURN = r"""
changed_keys:
  description: The keys whose line was replaced or appended, in the order given.
  type: list
  elements: str
  returned: always
"""

KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def update_lines(text: str, keys: dict[str, str]) -> tuple[str, list[str]]:
    """The text with each key's last `KEY=` line set to `KEY=value` (appended when missing)."""
    lines = text.splitlines(keepends=True)
    changed: list[str] = []
    for key, value in keys.items():
        wanted = f"{key}={value}"
        found = [i for i, line in enumerate(lines) if line.startswith(f"{key}=")]
        if found:
            i = found[-1]
            current = lines[i].rstrip("\r\n")
            if current != wanted:
                lines[i] = wanted + lines[i][len(current) :]
                changed.append(key)
        else:
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            lines.append(wanted + "\n")
            changed.append(key)
    return "".join(lines), changed


def managed_view(text: str, keys: dict[str, str]) -> str:
    """The managed keys' lines of a dotenv text, one per key (what the diff may show)."""
    last: dict[str, str] = {}
    for line in text.splitlines():
        key = line.split("=", 1)[0]
        if key in keys and "=" in line:
            last[key] = line
    return "".join(f"{last.get(key, f'# {key} is not set')}\n" for key in keys)


def bad_input(keys: dict[str, Any]) -> str | None:
    """Why the keys cannot be written, naming the first bad one, or None."""
    for key, value in keys.items():
        if not KEY.match(key):
            return f"keys: {key!r} is not a dotenv variable name"
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            return f"keys: {key} must be a string or a number"
        if "\n" in str(value) or "\r" in str(value):
            return f"keys: the value of {key} spans lines"
    return None


def write_atomically(module: AnsibleModule, path: str, text: str) -> None:
    """Replace the file by a complete new one, so a run killed here leaves old or new, never half."""
    fd, tmp = tempfile.mkstemp(prefix=".esper_env_keys.", dir=os.path.dirname(path) or ".")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    module.atomic_move(tmp, path)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "keys": {"type": "dict", "required": True},
        },
        add_file_common_args=True,
        supports_check_mode=True,
    )
    path: str = module.params["path"]
    problem = bad_input(module.params["keys"])
    if problem:
        module.fail_json(msg=problem)
    keys = {key: str(value) for key, value in module.params["keys"].items()}
    if not os.path.isfile(path):
        module.fail_json(msg=f"{path} does not exist (the role creates it before keeping its keys)")
    with open(path, encoding="utf-8") as f:
        before = f.read()
    after, changed_keys = update_lines(before, keys)
    if changed_keys and not module.check_mode:
        write_atomically(module, path, after)
    # The owner/group/mode part of the diff, filled in by set_fs_attributes_if_different.
    attributes: dict[str, dict[str, Any]] = {"before": {"path": path}, "after": {"path": path}}
    changed = module.set_fs_attributes_if_different(
        module.load_file_common_arguments(module.params),
        bool(changed_keys),
        attributes if module._diff else None,
    )
    result: dict[str, Any] = {"changed": changed, "changed_keys": changed_keys}
    if module._diff:
        result["diff"] = [
            {
                "before": managed_view(before, keys),
                "after": managed_view(after, keys),
                "before_header": f"{path} (managed keys)",
                "after_header": f"{path} (managed keys)",
            },
            attributes,
        ]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
