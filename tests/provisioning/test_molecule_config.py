"""The molecule scenarios share one container recipe.

Molecule replaces a scenario's platform list whole, so the fleet scenario, which needs four
hosts, repeats the base config's one platform under a YAML anchor. These tests hold the copies
equal: a setting changed in one place and not the other fails here, not in a confusing
container difference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / ".config" / "molecule" / "config.yml"
FLEET = ROOT / "molecule" / "fleet" / "molecule.yml"

# What differs per host by design: its name, its image, its network; and the fleet's hosts
# share a wheelhouse volume on top of the base mounts.
PER_HOST = {"name", "image", "networks", "mounts"}
WHEELHOUSE = {
    "type": "volume",
    "source": "esper-fleet-wheelhouse",
    "target": "/var/cache/esper/wheelhouse",
}


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def container_settings(platform: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in platform.items() if key not in PER_HOST}


BASE_PLATFORM = load(BASE)["platforms"][0]
FLEET_PLATFORMS = load(FLEET)["platforms"]


@pytest.mark.parametrize("platform", FLEET_PLATFORMS, ids=lambda p: str(p["name"]))
def test_fleet_host_uses_the_base_container_settings(platform: dict[str, Any]) -> None:
    assert container_settings(platform) == container_settings(BASE_PLATFORM)


@pytest.mark.parametrize("platform", FLEET_PLATFORMS, ids=lambda p: str(p["name"]))
def test_fleet_host_mounts_the_base_mounts_and_the_shared_wheelhouse(
    platform: dict[str, Any],
) -> None:
    assert platform["mounts"] == [*BASE_PLATFORM["mounts"], WHEELHOUSE]


def test_fleet_has_four_hosts_on_a_network_of_their_own() -> None:
    names = [platform["name"] for platform in FLEET_PLATFORMS]
    networks = {tuple(n["name"] for n in platform["networks"]) for platform in FLEET_PLATFORMS}
    assert len(set(names)) == len(names) >= 4
    assert networks == {("esper-fleet",)}


def test_fleet_mixes_mint_and_ubuntu() -> None:
    images = [platform["image"] for platform in FLEET_PLATFORMS]
    assert sorted(images) == ["esper-test/mint22.1"] * 2 + ["esper-test/ubuntu2404"] * 2


SHARED_DESTROY = ROOT / "molecule" / "shared" / "destroy.yml"
SCENARIOS = sorted(path.parent for path in (ROOT / "molecule").glob("*/molecule.yml"))


def destroy_playbook(scenario: Path) -> Path:
    """The playbook molecule runs for the scenario's destroy step (its own, else the base's)."""
    for config, base_dir in ((scenario / "molecule.yml", scenario), (BASE, scenario)):
        named = load(config).get("ansible", {}).get("playbooks", {}).get("destroy")
        if named:
            return (base_dir / named).resolve()
    raise AssertionError(f"{scenario.name}: no destroy playbook")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_scenario_removes_its_hosts_with_the_shared_destroy(scenario: Path) -> None:
    playbook = destroy_playbook(scenario)
    if playbook != SHARED_DESTROY:
        plays = yaml.safe_load(playbook.read_text())
        imported = [
            (playbook.parent / p["ansible.builtin.import_playbook"]).resolve()
            for p in plays
            if "ansible.builtin.import_playbook" in p
        ]
        assert imported == [SHARED_DESTROY]


def test_shared_destroy_waits_longer_than_the_docker_sdk_default_of_60_s() -> None:
    (play,) = yaml.safe_load(SHARED_DESTROY.read_text())
    (task,) = play["tasks"]
    assert task["community.docker.docker_container"]["timeout"] > 60
    assert task["until"] == "__destroy_instance is succeeded"
