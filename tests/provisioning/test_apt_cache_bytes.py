"""The fleet scenario's one-download figure, summed from apt-cacher-ng's transfer log."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "molecule" / "fleet" / "files" / "apt_cache_bytes.py"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("apt_cache_bytes", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LOG = [
    "1796074372|I|1000|10.0.0.2|uburep/pool/main/j/jq/jq.deb\n",
    "1796074372|O|990|10.0.0.2|uburep/pool/main/j/jq/jq.deb\n",
    "1796074373|O|990|10.0.0.3|uburep/pool/main/j/jq/jq.deb\n",
    "1796074374|I|50|10.0.0.3|uburep/pool/main/x/x.deb\n",
    "1796074374|O|48|10.0.0.3|uburep/pool/main/x/x.deb\n",
]


def test_upstream_bytes_are_the_sum_of_the_incoming_transfers() -> None:
    assert _module().summarise(LOG)["upstream_bytes"] == 1050


def test_each_host_is_credited_with_what_the_cache_served_it() -> None:
    assert _module().summarise(LOG)["served_bytes"] == {"10.0.0.2": 990, "10.0.0.3": 1038}


def test_the_ratio_compares_the_fleet_upstream_with_the_largest_host() -> None:
    assert _module().summarise(LOG)["fleet_bytes_vs_one"] == round(1050 / 1038, 3)


def test_lines_of_another_kind_are_ignored() -> None:
    result = _module().summarise(["not a transfer line\n", "1|I|x|10.0.0.2|p\n", *LOG])
    assert result["upstream_bytes"] == 1050


def test_an_empty_log_has_no_ratio_rather_than_a_division_error() -> None:
    assert _module().summarise([])["fleet_bytes_vs_one"] is None
