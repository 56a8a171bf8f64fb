"""The seed's build dependencies are installed (dpkg says so)."""

from __future__ import annotations

from typing import Any

import pytest

# The build dependencies a Python C extension needs, under today's names (libz-dev -> zlib1g-dev, libncurses5-dev ->
# libncurses-dev, libldap2-dev -> libldap-dev); python3.X-* and Rust are tested elsewhere.
SEED_PACKAGES = [
    "build-essential",
    "libffi-dev",
    "libssl-dev",
    "libxml2-dev",
    "libxslt1-dev",
    "libjpeg-dev",
    "libpq-dev",
    "libsqlite3-dev",
    "libcurl4-openssl-dev",
    "libgmp-dev",
    "zlib1g-dev",
    "libbz2-dev",
    "libreadline-dev",
    "libncurses-dev",
    "libgdbm-dev",
    "libnss3-dev",
    "libsasl2-dev",
    "libldap-dev",
    "libkrb5-dev",
    "git",
    "curl",
    "wget",
]


@pytest.mark.parametrize("name", SEED_PACKAGES)
def test_build_dependency_installed(host: Any, name: str) -> None:
    assert host.package(name).is_installed


def test_mysql_client_headers_for_this_distribution(host: Any) -> None:
    # Ubuntu and Mint ship Oracle's libmysqlclient-dev; Debian ships MariaDB's as default-*.
    debian = host.system_info.distribution == "debian"
    name = "default-libmysqlclient-dev" if debian else "libmysqlclient-dev"
    assert host.package(name).is_installed


def test_pkg_config_available(host: Any) -> None:
    assert host.run("pkg-config --version").rc == 0


def test_headers_compile_against_openssl_and_libpq(host: Any) -> None:
    source = "#include <openssl/ssl.h>\\n#include <libpq-fe.h>\\nint main(void){return 0;}\\n"
    cmd = (
        f"printf '{source}' > /var/tmp/hdr.c && "
        "cc $(pkg-config --cflags libpq) /var/tmp/hdr.c -o /var/tmp/hdr -lssl -lpq && /var/tmp/hdr"
    )
    result = host.run(cmd)
    assert result.rc == 0, result.stderr
