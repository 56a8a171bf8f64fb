"""Bad input fails before anything changes, with a message naming the variable.

Every run is guarded (conftest): given facts, Debian 12 unless a case needs a distribution
where the role is supported (services, venv: Debian 13), and `--check`; the preflight and
validation code is the real one.
"""

from __future__ import annotations

from pathlib import Path

from conftest import DEBIAN13

ENV_FILE = Path("/opt/esper/services/.env")
PROXY_FILE = Path("/etc/apt/apt.conf.d/01esper-proxy")


def on_debian13(playbook, fake_facts, tag, *assignments):
    """Run one role's tag with Debian 13 facts (where it is supported) and bad -e assignments."""
    extra = [arg for assignment in assignments for arg in ("-e", assignment)]
    return playbook("--tags", tag, *extra, facts_file=fake_facts(**DEBIAN13))


def test_wrong_python_version_string(playbook):
    run = playbook("--tags", "python", "-e", "esper_python_version=three.twelve")
    run.assert_failed_unchanged(
        "workstation_python_version", "esper_python_version", 'must look like "3.12"'
    )


def test_python_version_not_packaged_here(playbook):
    # Debian 12 packages Python 3.11 only: the message says which version to set.
    run = playbook("--tags", "python", "-e", "esper_python_version=3.12")
    run.assert_failed_unchanged(
        "esper_python_version", "packages 3.11", "esper_python_version=3.11"
    )


def test_unknown_user(playbook):
    run = playbook("--tags", "packages", "-e", "esper_user=no_such_esper_user")
    run.assert_failed_unchanged("esper_user", "no_such_esper_user")


def test_rustup_refuses_root(playbook):
    run = playbook("--tags", "rust", "-e", "esper_user=root")
    run.assert_failed_unchanged("workstation_rust_user", "non-root")


def test_bad_rust_source(playbook):
    run = playbook("--tags", "rust", "-e", "workstation_rust_source=brew")
    run.assert_failed_unchanged("workstation_rust_source", "rustup, distro")


def test_bad_docker_source(playbook):
    run = playbook("--tags", "docker", "-e", "workstation_docker_source=snap")
    run.assert_failed_unchanged("workstation_docker_source", "upstream, distro")


def test_bad_apt_proxy(playbook):
    run = playbook("--tags", "packages", "-e", "workstation_packages_apt_proxy=ftp://cache.example")
    run.assert_failed_unchanged("workstation_packages_apt_proxy")
    assert not PROXY_FILE.exists()


def test_invalid_port(playbook, fake_facts):
    run = on_debian13(playbook, fake_facts, "services", "esper_services_redis_port=70000")
    run.assert_failed_unchanged("esper_services_redis_port", "1-65535")
    assert not ENV_FILE.exists()


def test_non_numeric_port(playbook, fake_facts):
    run = on_debian13(playbook, fake_facts, "services", "esper_services_postgres_port=fivefour")
    run.assert_failed_unchanged("esper_services_postgres_port")
    assert not ENV_FILE.exists()


def test_non_loopback_bind_address(playbook, fake_facts):
    run = on_debian13(playbook, fake_facts, "services", "esper_services_bind_address=0.0.0.0")
    run.assert_failed_unchanged("esper_services_bind_address", "esper_services_allow_non_loopback")
    assert not ENV_FILE.exists()


def test_bad_pull_policy(playbook, fake_facts):
    run = on_debian13(playbook, fake_facts, "services", "esper_services_pull=sometimes")
    run.assert_failed_unchanged("esper_services_pull")


def test_bad_torch_variant(playbook, fake_facts):
    run = on_debian13(
        playbook, fake_facts, "venv", "esper_python_version=3.13", "esper_venv_torch_variant=rocm"
    )
    run.assert_failed_unchanged("esper_venv_torch_variant", "auto, cpu, cuda")


def test_bad_installer(playbook, fake_facts):
    run = on_debian13(
        playbook, fake_facts, "venv", "esper_python_version=3.13", "esper_venv_installer=conda"
    )
    run.assert_failed_unchanged("esper_venv_installer", "uv, pip")


def test_unsupported_distribution(playbook, fake_facts):
    facts = fake_facts(
        distribution="Fedora",
        distribution_version="41",
        distribution_major_version="41",
        distribution_release="",
        os_family="RedHat",
    )
    run = playbook("--tags", "packages", facts_file=facts)
    run.assert_failed_unchanged(
        "Unsupported distribution", "ansible_facts['distribution']", "Fedora"
    )


def test_old_ubuntu_is_unsupported(playbook, fake_facts):
    facts = fake_facts(
        distribution="Ubuntu",
        distribution_version="22.04",
        distribution_major_version="22",
        distribution_release="jammy",
    )
    run = playbook("--tags", "packages", facts_file=facts)
    run.assert_failed_unchanged("Unsupported distribution", "22.04")


def test_debian12_cannot_run_services_or_venv(playbook):
    # The default run selects every role; Debian 12 cannot run the library or its services.
    run = playbook()
    run.assert_failed_unchanged(
        "Debian 12", "esper_services", "esper_venv", "--skip-tags services,venv"
    )
    assert not ENV_FILE.exists()


def test_venv_python_too_old(playbook, fake_facts):
    run = on_debian13(playbook, fake_facts, "venv", "esper_python_version=3.11")
    run.assert_failed_unchanged("esper_venv_python_version", ">= 3.12")


def test_bad_venv_path_message_names_only_that_variable(playbook, fake_facts):
    run = on_debian13(
        playbook, fake_facts, "venv", "esper_python_version=3.13", "esper_venv_path=relative/venv"
    )
    run.assert_failed_unchanged("esper_venv_path must be an absolute path", "relative/venv")
    failure = run.output[run.output.index("esper_venv_path must be") :].split("\n")[0]
    assert "esper_venv_torch_variant" not in failure, failure
