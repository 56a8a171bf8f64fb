"""One source for every role default: meta/argument_specs.yml.

A role's defaults are written in defaults/main.yml (what the role does) and described in its
argument spec (what ansible-doc and the preflight validation read); the README variables table
is generated from the spec by scripts/role-docs.py. These tests hold the three together.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "role-docs.py"
ROLES = sorted(path.parent.parent.name for path in ROOT.glob("roles/*/defaults/main.yml"))


def run_role_docs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


def spec_options(role: str) -> dict[str, dict[str, Any]]:
    spec = yaml.safe_load((ROOT / "roles" / role / "meta/argument_specs.yml").read_text())
    options: dict[str, dict[str, Any]] = spec["argument_specs"]["main"]["options"]
    return options


def role_defaults(role: str) -> dict[str, Any]:
    defaults: dict[str, Any] = yaml.safe_load(
        (ROOT / "roles" / role / "defaults/main.yml").read_text()
    )
    return defaults


def is_jinja(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value


def as_yaml_value(value: Any) -> str:
    """The value with its type: 1, 1.0, true and "1" all differ (Python says True == 1)."""
    return json.dumps(value, sort_keys=True, default=repr)


def test_every_role_readme_table_is_generated_from_its_spec() -> None:
    result = run_role_docs("--check")
    assert result.returncode == 0, (
        "a README variables table differs from its meta/argument_specs.yml; "
        "run `python scripts/role-docs.py` and commit the result:\n" + result.stdout + result.stderr
    )


def test_check_mode_fails_with_a_diff_when_a_spec_changes(tmp_path: Path) -> None:
    role = tmp_path / "roles" / "workstation_packages"
    shutil.copytree(ROOT / "roles" / "workstation_packages", role)
    spec_path = role / "meta/argument_specs.yml"
    spec = spec_path.read_text()
    old = "Extra apt packages, installed in the same transaction."
    assert old in spec
    spec_path.write_text(spec.replace(old, "Packages nobody documented."))
    readme_before = (role / "README.md").read_text()

    result = run_role_docs("--check", "--roles-dir", str(tmp_path / "roles"))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "-| `workstation_packages_extra` | `[]` | " + old in result.stdout
    assert "+| `workstation_packages_extra` | `[]` | Packages nobody documented." in result.stdout
    assert (role / "README.md").read_text() == readme_before


@pytest.mark.parametrize("role", ROLES)
def test_spec_defaults_match_role_defaults(role: str) -> None:
    defaults = role_defaults(role)
    wrong: list[str] = []
    for name, option in spec_options(role).items():
        if "default" not in option:
            continue
        if name not in defaults:
            wrong.append(f"{name}: spec default {option['default']!r}, not in defaults/main.yml")
        elif is_jinja(defaults[name]):
            wrong.append(
                f"{name}: defaults/main.yml computes it ({defaults[name]!r}); the spec must "
                "have no default, only a description of what it defaults to"
            )
        elif as_yaml_value(option["default"]) != as_yaml_value(defaults[name]):
            wrong.append(
                f"{name}: spec default {as_yaml_value(option['default'])}, "
                f"defaults/main.yml {as_yaml_value(defaults[name])}"
            )
    assert not wrong, f"roles/{role}: meta/argument_specs.yml disagrees:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_computed_defaults_are_described_in_the_spec(role: str) -> None:
    options = spec_options(role)
    undescribed = [
        name
        for name, value in role_defaults(role).items()
        if is_jinja(value) and "Defaults to" not in str(options.get(name, {}).get("description"))
    ]
    assert not undescribed, (
        f"roles/{role}: these defaults are Jinja expressions; the spec's description must say "
        f"what they default to ('Defaults to ...'): {undescribed}"
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_role_default_is_a_spec_option(role: str) -> None:
    missing = sorted(set(role_defaults(role)) - set(spec_options(role)))
    assert not missing, (
        f"roles/{role}: defaults/main.yml sets variables its argument spec (and so the README) "
        f"does not document: {missing}"
    )
