"""The torch build by hardware (roles/esper_venv/tasks/torch_source.yml): an NVIDIA GPU means CUDA.

The role reads both signs of a GPU in one probe (the driver's /proc file, and `lspci -mn`) and
matches its output against `__esper_venv_nvidia_signs` with Ansible's `search` test, which is
Python's `re.search`; these tests hold that pattern to real `lspci -mn` lines.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import yaml
from conftest import ROOT

ROLE = ROOT / "roles" / "esper_venv"
SIGNS = re.compile(
    yaml.safe_load((ROLE / "vars" / "main.yml").read_text())["__esper_venv_nvidia_signs"]
)
TASKS = yaml.safe_load((ROLE / "tasks" / "torch_source.yml").read_text())
PROBE_ARGV = next(
    t for t in TASKS if "register" in t and t["register"] == "__esper_venv_gpu_probe"
)["ansible.builtin.command"]["argv"]


def test_the_nvidia_driver_alone_means_cuda() -> None:
    assert SIGNS.search("nvidia-driver\n")


def test_an_nvidia_display_controller_means_cuda() -> None:
    lspci = '00:02.0 "0600" "8086" "4660" -r02 "1458" "d000"\n01:00.0 "0300" "10de" "2684" -ra1 "1458" "4108"\n'
    assert SIGNS.search(lspci)


def test_an_nvidia_3d_controller_means_cuda() -> None:
    # Data-centre GPUs (A100, H100) are class 0302, not 0300.
    assert SIGNS.search('17:00.0 "0302" "10de" "20b0" -ra1 "10de" "134f"\n')


def test_an_nvidia_audio_function_is_not_a_gpu() -> None:
    # The HDMI audio function of an NVIDIA card, seen without its display function (class 0403).
    assert not SIGNS.search('01:00.1 "0403" "10de" "22ba" -ra1 "1458" "4108"\n')


def test_an_intel_gpu_means_cpu() -> None:
    assert not SIGNS.search('00:02.0 "0300" "8086" "46a6" -r0c "17aa" "22e7"\n')


def test_the_probe_succeeds_where_pciutils_is_not_installed() -> None:
    sh = shutil.which(PROBE_ARGV[0])
    assert sh is not None
    # No lspci on the PATH (nor anything else): the shell's builtins alone must carry the probe.
    done = subprocess.run(
        [sh, *PROBE_ARGV[1:]],
        env={**os.environ, "PATH": "/nonexistent"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
