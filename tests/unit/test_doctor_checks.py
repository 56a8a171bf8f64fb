"""The doctor's local checks and report rendering, including failure branches that cannot be
produced on a healthy machine (old Python, missing torch, broken modules, pip check failing)."""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from esper import cli, doctor
from esper.cli import main, render_table, resolve_env_file
from esper.configs import DatabaseConfig, RedisConfig, StorageConfig
from esper.doctor import (
    Check,
    CheckResult,
    _stream_entries,
    check_dependencies,
    check_modules,
    check_pip,
    check_postgres,
    check_python,
    check_redis,
    check_s3,
    check_torch,
    compose_command,
    guarded,
    run_checks,
    run_concurrently,
)


def test_python_312_and_newer_pass() -> None:
    assert check_python((3, 12, 0)).ok
    assert check_python((3, 13, 1)).ok
    assert check_python().ok


def test_python_older_than_312_fails_with_a_hint() -> None:
    result = check_python((3, 11, 9))

    assert not result.ok
    assert "3.11.9 is older than 3.12" in result.detail
    assert result.hint is not None
    assert "python3.12" in result.hint


def test_every_esper_module_imports() -> None:
    result = check_modules()

    assert result.ok, result.detail
    assert int(result.detail.split()[0]) >= 10


def test_a_module_that_fails_to_import_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "brokenpkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "good.py").write_text("X = 1\n")
    (package / "bad.py").write_text("import no_such_module_anywhere\n")
    (package / "sub" / "__init__.py").write_text("raise RuntimeError('boom')\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    result = check_modules("brokenpkg")

    assert not result.ok
    assert "brokenpkg.bad: ModuleNotFoundError" in result.detail
    assert "brokenpkg.sub: RuntimeError: boom" in result.detail
    assert "good" not in result.detail
    assert result.hint is not None
    assert "requirements/esper.lock.txt" in result.hint


def test_a_package_that_cannot_be_imported_fails() -> None:
    result = check_modules("no_such_package_anywhere")

    assert not result.ok
    assert "ModuleNotFoundError" in result.detail


def test_pip_check_passes_in_this_environment() -> None:
    result = check_pip(60)

    assert result.ok, result.detail


def fake_run(returncode: int, stdout: str) -> Any:
    def _run(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, returncode, stdout, "")

    return _run


def test_pip_check_reporting_broken_requirements_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "run", fake_run(1, "foo 1.0 has requirement bar>=2\n"))

    result = check_pip(5)

    assert not result.ok
    assert result.detail == "foo 1.0 has requirement bar>=2"
    assert result.hint is not None
    assert "--require-hashes" in result.hint


def test_pip_check_failing_silently_reports_its_exit_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "run", fake_run(3, ""))

    assert check_pip(5).detail == "exit code 3"


def test_pip_check_that_hangs_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    def _hang(*args: Any, **kwargs: Any) -> None:
        raise subprocess.TimeoutExpired(cmd="pip check", timeout=kwargs["timeout"])

    monkeypatch.setattr(subprocess, "run", _hang)

    result = check_pip(1.5)

    assert not result.ok
    assert result.detail == "pip check did not finish in 1.5 s"


def test_pip_check_that_cannot_start_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def _missing(*args: Any, **kwargs: Any) -> None:
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(subprocess, "run", _missing)

    assert "FileNotFoundError" in check_pip(5).detail


def test_torch_row_reports_version_and_cuda() -> None:
    result = check_torch()

    assert result.ok, result.detail
    assert result.detail.startswith("torch ")
    assert "CUDA available: " in result.detail


def test_missing_torch_fails_with_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)

    result = check_torch()

    assert not result.ok
    assert "ModuleNotFoundError" in result.detail or "ImportError" in result.detail
    assert result.hint is not None
    assert "Install torch first" in result.hint


def test_guarded_turns_any_exception_into_a_red_row() -> None:
    def _explode() -> str:
        raise KeyError("multi\nline")

    result = guarded("x", lambda exc: f"hint for {type(exc).__name__}", _explode)

    assert result == CheckResult("x", False, "KeyError: 'multi\\nline'", "hint for KeyError")


def test_guarded_reports_an_exception_without_message_by_its_type() -> None:
    def _explode() -> str:
        raise TimeoutError

    assert guarded("x", "do something", _explode).detail == "TimeoutError"


def test_s3_check_without_a_secret_key_says_to_set_minio_root_password() -> None:
    result = check_s3(StorageConfig(secret_key=None), 1)

    assert not result.ok
    assert result.hint is not None
    assert "MINIO_ROOT_PASSWORD" in result.hint


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (None, []),
        ([], []),
        ([["s", [("1-0", {"message": "m"})]]], [("1-0", {"message": "m"})]),
        ({"s": [[("1-0", {"message": "m"})]]}, [("1-0", {"message": "m"})]),
        ([[b"s", [(b"1-0", {b"message": b"m"})]]], [(b"1-0", {b"message": b"m"})]),
        ([["other", [("1-0", {})]]], []),
    ],
)
def test_stream_entries_read_resp2_and_resp3_replies(reply: Any, expected: Any) -> None:
    assert _stream_entries(reply, "s") == expected


def test_run_checks_without_configuration_reports_services_as_not_run() -> None:
    config_row = CheckResult("config", False, "broken", "fix it")

    results = run_checks(None, timeout=1, config_row=config_row)

    assert results[0] == config_row
    assert [r.name for r in results[-3:]] == ["redis", "postgresql", "s3"]
    assert all(not r.ok and r.detail == "not run: no valid configuration" for r in results[-3:])


def test_the_quick_doctor_finds_torch_by_its_metadata_and_runs_no_pip_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        doctor, "check_torch", lambda: pytest.fail("the quick doctor imported torch")
    )
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "2.9.1")

    results = run_checks(None, timeout=1, config_row=CheckResult("config", True, "ok"), quick=True)

    assert "pip check" not in [r.name for r in results]
    (torch,) = [r for r in results if r.name == "torch"]
    assert torch.ok
    assert torch.detail == "torch 2.9.1 installed (not imported: --quick)"


def test_the_quick_doctor_fails_the_torch_row_when_torch_is_not_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def _absent(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", _absent)

    result = doctor.check_torch_installed()

    assert not result.ok
    assert result.detail == "torch is not installed"
    assert result.hint


def test_the_quick_doctor_finds_the_runtime_libraries_without_importing_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        doctor, "check_dependencies", lambda: pytest.fail("the quick doctor imported them")
    )

    results = run_checks(None, timeout=1, config_row=CheckResult("config", True, "ok"), quick=True)

    (dependencies,) = [r for r in results if r.name == "dependencies"]
    assert dependencies.ok, dependencies.detail
    assert dependencies.detail.endswith("installed (not imported: --quick)")


def test_the_quick_doctor_names_a_runtime_library_that_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "fastapi" else real_find_spec(name, *args),
    )

    result = doctor.check_dependencies_installed()

    assert not result.ok
    assert result.detail == "not installed: fastapi"
    assert result.hint == doctor.INSTALL_LOCK_HINT


def test_the_quick_doctor_names_a_runtime_library_without_its_metadata(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_version = importlib.metadata.version

    def _version(name: str) -> str:
        if name == "PyYAML":
            raise importlib.metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(importlib.metadata, "version", _version)

    result = doctor.check_dependencies_installed()

    assert not result.ok
    assert result.detail == "not installed: PyYAML"


def test_the_full_doctor_has_a_pip_check_row() -> None:
    results = run_checks(None, timeout=1, config_row=CheckResult("config", True, "ok"))

    assert "pip check" in [r.name for r in results]


def test_pip_check_gets_the_local_checks_budget_beside_the_torch_import(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Four fleet hosts on two cores took over 20 s for pip check: no tighter bound than torch's."""
    given: list[float] = []

    def _pip(timeout: float) -> CheckResult:
        given.append(timeout)
        return CheckResult("pip check", True, "no broken requirements")

    monkeypatch.setattr(doctor, "check_pip", _pip)
    monkeypatch.setattr(doctor, "check_torch", lambda: CheckResult("torch", True, "stub"))

    run_checks(None, timeout=1, config_row=CheckResult("config", True, "ok"))

    assert given == [doctor.LOCAL_BUDGET]


@pytest.fixture
def run_checks_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments of each run_checks call the CLI makes (the checks do not run)."""
    monkeypatch.chdir(tmp_path)
    calls: list[dict[str, Any]] = []

    def _fake(config: Any, **kwargs: Any) -> list[CheckResult]:
        calls.append(kwargs)
        return [kwargs["config_row"]]

    monkeypatch.setattr(cli, "run_checks", _fake)
    return calls


def test_quick_is_passed_to_the_checks(run_checks_calls: list[dict[str, Any]]) -> None:
    main(["doctor", "--quick"], environ={}, out=io.StringIO())
    main(["doctor"], environ={}, out=io.StringIO())

    assert [call["quick"] for call in run_checks_calls] == [True, False]


def test_checks_run_concurrently_and_keep_their_order() -> None:
    def slow(name: str) -> CheckResult:
        time.sleep(0.5)
        return CheckResult(name, True, "done")

    started = time.monotonic()
    results = run_concurrently([Check(n, 5, functools.partial(slow, n)) for n in "abcd"])

    assert [r.name for r in results] == list("abcd")
    assert time.monotonic() - started < 1.5


def test_a_check_that_overruns_its_budget_becomes_a_red_row() -> None:
    def hang() -> CheckResult:
        time.sleep(3)
        return CheckResult("hang", True, "too late")

    started = time.monotonic()
    (result,) = run_concurrently([Check("hang", 0.2, hang)])

    assert time.monotonic() - started < 1
    assert not result.ok
    assert result.detail == "did not finish within 0.2 s"
    assert result.hint


# --- the command line ---------------------------------------------------------------------


def test_table_shows_hints_only_under_failing_rows() -> None:
    table = render_table(
        [CheckResult("python", True, "3.12"), CheckResult("redis", False, "down", "start it")]
    )

    lines = table.splitlines()
    assert lines[2].split() == ["STATUS", "CHECK", "DETAIL"]
    assert lines[3].split() == ["PASS", "python", "3.12"]
    assert lines[4].split() == ["FAIL", "redis", "down"]
    assert lines[5].strip() == "hint: start it"
    assert lines[-1] == "1 of 2 checks failed."


def test_table_colours_status_only_when_asked() -> None:
    rows = [CheckResult("a", True, "ok"), CheckResult("b", False, "bad", "fix")]

    assert "\033[" not in render_table(rows)
    coloured = render_table(rows, color=True)
    assert f"{cli.GREEN}PASS{cli.RESET}" in coloured
    assert f"{cli.RED}FAIL{cli.RESET}" in coloured


def test_env_file_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    explicit = Path("explicit.env")

    assert resolve_env_file(explicit, {"ESPER_ENV_FILE": "x.env"}) == explicit
    assert resolve_env_file(None, {"ESPER_ENV_FILE": "x.env"}) == Path("x.env")
    assert resolve_env_file(None, {}) is None
    (tmp_path / ".env").write_text("")
    assert resolve_env_file(None, {}) == Path(".env")


def test_missing_env_file_gives_a_red_config_row_and_exit_one(tmp_path: Path) -> None:
    out = io.StringIO()

    code = main(["doctor", "--env-file", str(tmp_path / "nope.env"), "--json"], environ={}, out=out)

    report = json.loads(out.getvalue())
    assert code == 1
    assert report["ok"] is False
    config = report["checks"][0]
    assert config["name"] == "config"
    assert not config["ok"]
    assert "nope.env: environment file not found" in config["detail"]
    assert config["hint"]


def test_json_report_has_the_documented_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        cli, "run_checks", lambda config, timeout, config_row, env_file, quick: [config_row]
    )
    out = io.StringIO()

    code = main(["doctor", "--json"], environ={}, out=out)

    report = json.loads(out.getvalue())
    assert code == 0
    assert set(report) == {"ok", "checks"}
    assert report["checks"] == [
        {"name": "config", "ok": True, "detail": "loaded from environment", "hint": None}
    ]


def test_table_output_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        cli, "run_checks", lambda config, timeout, config_row, env_file, quick: [config_row]
    )
    out = io.StringIO()

    assert main(["doctor"], environ={}, out=out) == 0
    assert "All 1 checks passed." in out.getvalue()


def test_timeout_is_passed_to_the_checks(run_checks_calls: list[dict[str, Any]]) -> None:
    main(["doctor", "--timeout", "1.5"], environ={}, out=io.StringIO())

    assert [call["timeout"] for call in run_checks_calls] == [1.5]
    assert doctor.DEFAULT_TIMEOUT <= 5


@pytest.mark.parametrize("value", ["0", "-1", "abc", "inf", "nan", "1e6", "1e10", "300.5"])
def test_invalid_timeout_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["doctor", "--timeout", value], environ={})

    assert excinfo.value.code == 2
    assert "--timeout" in capsys.readouterr().err


def test_version_flag_prints_package_and_api_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["--version"])

    assert excinfo.value.code == 0
    assert capsys.readouterr().out.strip() == "esper 0.1.0 (API v1)"


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main([])

    assert excinfo.value.code == 2


def test_main_defaults_to_the_process_environment_and_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = tmp_path / "process.env"
    env_file.write_text("POSTGRES_DB=from_process\n")
    monkeypatch.setenv("ESPER_ENV_FILE", str(env_file))
    monkeypatch.setattr(
        cli, "run_checks", lambda config, timeout, config_row, env_file, quick: [config_row]
    )

    assert main(["doctor"]) == 0
    assert f"loaded from {env_file}, environment" in capsys.readouterr().out


def only_the_config_row(
    config: Any, timeout: float, config_row: CheckResult, env_file: Any, quick: bool
) -> list[CheckResult]:
    return [config_row]


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# --- a missing library (issue 10, defect 2) ----------------------------------------------------


def test_missing_runtime_library_is_its_own_red_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)

    result = check_dependencies()

    assert result.name == "dependencies"
    assert not result.ok
    assert result.detail.startswith("cannot import redis (")
    assert result.hint is not None
    assert "requirements/esper.lock.txt" in result.hint


def test_every_runtime_library_imports_in_this_environment() -> None:
    result = check_dependencies()

    assert result.ok, result.detail


@pytest.mark.parametrize(
    ("module", "run"),
    [
        ("redis", lambda: check_redis(RedisConfig(port=closed_port()), 1)),
        ("psycopg", lambda: check_postgres(DatabaseConfig(port=closed_port()), 1)),
        ("boto3", lambda: check_s3(StorageConfig(secret_key="x"), 1)),  # type: ignore[arg-type]
    ],
)
def test_service_check_without_its_library_is_a_red_row_naming_it(
    monkeypatch: pytest.MonkeyPatch, module: str, run: Any
) -> None:
    monkeypatch.setitem(sys.modules, module, None)

    result = run()

    assert not result.ok
    assert "ImportError" in result.detail or "ModuleNotFoundError" in result.detail
    assert result.hint is not None
    assert f"The {module} library is missing" in result.hint


def test_a_check_that_raises_becomes_a_red_row_at_once() -> None:
    def broken() -> CheckResult:
        raise RuntimeError("boom")

    started = time.monotonic()
    (result,) = run_concurrently([Check("broken", 5, broken)])

    assert time.monotonic() - started < 1
    assert not result.ok
    assert result.detail == "the check itself failed: RuntimeError: boom"


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        cwd="/",
    )


HIDE = "import sys\nfor m in {modules!r}: sys.modules[m] = None\nfrom esper.cli import main\n"


def test_esper_help_works_without_pydantic_yaml_or_the_service_libraries() -> None:
    modules = ["pydantic", "yaml", "dotenv", "redis", "psycopg", "boto3", "botocore"]
    proc = run_python(HIDE.format(modules=modules) + "main(['--help'])")

    assert proc.returncode == 0, proc.stderr
    assert "doctor" in proc.stdout


def test_doctor_without_pydantic_reports_red_rows_as_json_not_a_traceback() -> None:
    proc = run_python(HIDE.format(modules=["pydantic"]) + "sys.exit(main(['doctor', '--json']))")

    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    rows = {row["name"]: row for row in json.loads(proc.stdout)["checks"]}
    assert not rows["config"]["ok"]
    assert "pydantic" in rows["config"]["detail"]
    assert rows["dependencies"]["detail"].startswith("cannot import pydantic (")


# --- no secret in the report (issue 10, defect 3) ----------------------------------------------

SECRET = "s3cr3t-Pw-that-must-not-leak"


@pytest.mark.parametrize("fmt", [[], ["--json"]])
def test_doctor_never_shows_the_password_of_a_bad_redis_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: list[str]
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"REDIS_URL=redis://:{SECRET}@host:99999/0\n")
    monkeypatch.setattr(cli, "run_checks", only_the_config_row)
    out = io.StringIO()

    code = main(["doctor", "--env-file", str(env_file), *fmt], environ={}, out=out)

    assert code == 1
    assert "REDIS_URL has an invalid port" in out.getvalue()
    assert SECRET not in out.getvalue()


def test_doctor_masks_secrets_and_url_credentials_in_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"POSTGRES_PASSWORD={SECRET}\nMINIO_ROOT_PASSWORD=other-secret-1\n")

    def leaky(
        config: Any, timeout: float, config_row: CheckResult, env_file: Any, quick: bool
    ) -> Any:
        return [
            CheckResult("a", False, f"server said: bad password {SECRET}", f"try {SECRET}"),
            CheckResult("b", False, "cannot reach http://admin:other-secret-1@minio:9000/x"),
        ]

    monkeypatch.setattr(cli, "run_checks", leaky)
    out = io.StringIO()

    main(["doctor", "--env-file", str(env_file), "--json"], environ={}, out=out)

    rows = json.loads(out.getvalue())["checks"]
    assert rows[0]["detail"] == "server said: bad password ***"
    assert rows[0]["hint"] == "try ***"
    assert rows[1]["detail"] == "cannot reach http://***@minio:9000/x"


# --- every load error is a red row (issue 10, defect 5) ----------------------------------------


def test_doctor_json_with_a_config_that_is_not_utf8_still_prints_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "c.yaml"
    config.write_bytes(b"name: caf\xe9\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "run_checks", only_the_config_row)
    out = io.StringIO()

    code = main(["doctor", "--config", str(config), "--json"], environ={}, out=out)

    assert code == 1
    (row,) = json.loads(out.getvalue())["checks"]
    assert "not UTF-8 text" in row["detail"]


# --- --timeout bound (issue 10, defect 9) --------------------------------------------------------


def test_timeout_above_the_bound_names_the_bound(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["doctor", "--timeout", "1e6"], environ={})

    assert "at most 300" in capsys.readouterr().err


# --- the compose command the hints name ----------------------------------------------------------


def test_hints_name_the_project_directory_when_the_env_file_sits_beside_the_compose_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "docker-compose.yml").write_text("services: {}\n")

    command = compose_command(tmp_path / ".env", cwd=tmp_path)

    assert command == f"docker compose -p esper --project-directory {tmp_path}"


def test_hints_name_the_checkout_compose_file_in_a_checkout(tmp_path: Path) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "docker-compose.yml").write_text("services: {}\n")

    assert compose_command(None, cwd=tmp_path) == (
        "docker compose -f docker/docker-compose.yml --env-file .env"
    )


def test_hints_default_to_the_provisioned_project_directory(tmp_path: Path) -> None:
    assert compose_command(tmp_path / "elsewhere.env", cwd=tmp_path) == (
        "docker compose -p esper --project-directory /opt/esper/services"
    )


def test_stopped_service_hint_uses_the_compose_command_for_this_host() -> None:
    result = check_redis(RedisConfig(port=closed_port()), 1, compose="docker compose -p esper")

    assert not result.ok
    assert result.hint is not None
    assert "(docker compose -p esper up -d redis)" in result.hint
