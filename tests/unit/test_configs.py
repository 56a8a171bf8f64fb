"""Configuration: YAML file, .env file, environment overrides, secrets, and clear errors."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from esper.configs import (
    ENV_OVERRIDES,
    ConfigError,
    EsperConfig,
    load_config,
    load_env_file,
    load_settings,
)
from esper.contracts import ComponentType
from esper.envfile import parse_env

REPO = Path(__file__).resolve().parents[2]
PHASE1 = REPO / "configs" / "phase1_mvp.yaml"
DESIGN_ENV_KEYS = {
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_DB",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "REDIS_URL",
    "REDIS_PASSWORD",
    "MINIO_ROOT_USER",
    "MINIO_ROOT_PASSWORD",
    "S3_ENDPOINT_URL",
    "S3_BUCKET_NAME",
}


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_phase1_mvp_yaml_loads_completely() -> None:
    config = load_config(PHASE1, env={})

    assert config.name == "esper-phase1-mvp"
    assert config.environment == "development"
    assert config.database.database == "urza_db"
    assert config.storage.bucket_name == "esper-artifacts"
    assert set(config.components) == set(ComponentType)
    assert config.components[ComponentType.TAMIYO].enabled is True
    assert config.components[ComponentType.KARN].enabled is False
    assert config.training.batch_size == 128
    assert config.logging.format == "text"


def test_phase1_mvp_yaml_holds_no_secrets() -> None:
    config = load_config(PHASE1, env={})

    assert config.database.password is None
    assert config.redis.password is None
    assert config.storage.secret_key is None


def test_defaults_without_a_file_match_the_design() -> None:
    config = load_config(None, env={})

    assert (config.database.host, config.database.port) == ("localhost", 5432)
    assert (config.database.database, config.database.ssl_mode) == ("urza_db", "prefer")
    assert (config.redis.port, config.redis.database) == (6379, 0)
    assert config.storage.endpoint_url == "http://localhost:9000"
    assert config.storage.region == "us-east-1"
    assert config == EsperConfig()


def test_env_override_keys_are_exactly_the_design_env_keys() -> None:
    assert set(ENV_OVERRIDES) == DESIGN_ENV_KEYS


@pytest.mark.parametrize(
    ("key", "value", "path", "expected"),
    [
        ("POSTGRES_HOST", "db.internal", ("database", "host"), "db.internal"),
        ("POSTGRES_PORT", "6543", ("database", "port"), 6543),
        ("POSTGRES_DB", "other_db", ("database", "database"), "other_db"),
        ("POSTGRES_USER", "alice", ("database", "username"), "alice"),
        ("MINIO_ROOT_USER", "bob", ("storage", "access_key"), "bob"),
        ("S3_ENDPOINT_URL", "http://127.0.0.1:9100", ("storage", "endpoint_url"), None),
        ("S3_BUCKET_NAME", "other-bucket", ("storage", "bucket_name"), "other-bucket"),
    ],
)
def test_environment_overrides_the_yaml_file(
    key: str, value: str, path: tuple[str, str], expected: Any
) -> None:
    config = load_config(PHASE1, env={key: value})

    section = getattr(config, path[0])
    assert getattr(section, path[1]) == (value if expected is None else expected)


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("POSTGRES_PASSWORD", ("database", "password")),
        ("REDIS_PASSWORD", ("redis", "password")),
        ("MINIO_ROOT_PASSWORD", ("storage", "secret_key")),
    ],
)
def test_secret_from_environment_is_kept_but_never_printed(key: str, path: tuple[str, str]) -> None:
    secret = "s3cr3t-value-that-must-not-leak"
    config = load_config(PHASE1, env={key: secret})

    value = getattr(getattr(config, path[0]), path[1])
    assert value.get_secret_value() == secret
    for rendering in (str(config), repr(config), config.model_dump_json(), str(value)):
        assert secret not in rendering
    assert "**********" in repr(value)


def test_redis_url_sets_host_port_database_and_tls() -> None:
    config = load_config(None, env={"REDIS_URL": "rediss://cache.local:6380/2"})

    assert (config.redis.host, config.redis.port, config.redis.database) == ("cache.local", 6380, 2)
    assert config.redis.ssl is True
    assert config.redis.url == "rediss://cache.local:6380/2"


def test_redis_password_wins_over_one_embedded_in_redis_url() -> None:
    url_only = load_config(None, env={"REDIS_URL": "redis://:from%40url@h:1/0"})
    both = load_config(None, env={"REDIS_URL": "redis://:from-url@h:1/0", "REDIS_PASSWORD": "pw"})

    assert url_only.redis.password is not None
    assert url_only.redis.password.get_secret_value() == "from@url"
    assert both.redis.password is not None
    assert both.redis.password.get_secret_value() == "pw"


def test_redis_url_without_port_or_database_keeps_the_defaults() -> None:
    config = load_config(None, env={"REDIS_URL": "redis://cache.local"})

    assert (config.redis.host, config.redis.port, config.redis.database) == ("cache.local", 6379, 0)


@pytest.mark.parametrize(
    ("url", "problem"),
    [("http://h:6379/0", "redis://"), ("redis://h:notaport/0", "invalid port")],
)
def test_invalid_redis_url_is_a_config_error_naming_redis_url(url: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=f"REDIS_URL .*{problem}"):
        load_config(None, env={"REDIS_URL": url})


def test_invalid_environment_value_names_the_variable() -> None:
    with pytest.raises(
        ConfigError, match=r"database\.port: .*\(set by POSTGRES_PORT in environment\)"
    ):
        load_config(PHASE1, env={"POSTGRES_PORT": "not-a-port"})


def test_empty_environment_values_count_as_unset() -> None:
    config = load_config(PHASE1, env={"POSTGRES_HOST": "", "REDIS_PASSWORD": ""})

    assert config.database.host == "localhost"
    assert config.redis.password is None


def test_process_environment_is_used_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGRES_DB", "from_process_env")

    assert load_config(PHASE1).database.database == "from_process_env"


def test_missing_file_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"

    with pytest.raises(ConfigError, match=f"{missing}: configuration file not found"):
        load_config(missing, env={})


def test_unreadable_path_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"{tmp_path}: cannot read configuration file"):
        load_config(tmp_path, env={})


def test_malformed_yaml_is_a_config_error_naming_file_and_line(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", "name: esper\ndatabase:\n  host: [unclosed\n")

    with pytest.raises(ConfigError, match=r"bad\.yaml: malformed YAML at line \d+, column \d+"):
        load_config(bad, env={})


@pytest.mark.parametrize(("text", "kind"), [("", "empty"), ("- a\n- b\n", "a list")])
def test_yaml_that_is_not_a_mapping_is_a_config_error(tmp_path: Path, text: str, kind: str) -> None:
    path = write(tmp_path / "c.yaml", text)

    with pytest.raises(
        ConfigError, match=f"expected a mapping at the top level, the file is {kind}"
    ):
        load_config(path, env={})


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"database": {"port": 0}}, r"database\.port"),
        ({"environment": "qa"}, "environment"),
        ({"database": {"hostname": "x"}}, r"database\.hostname: Extra inputs"),
        ({"components": {"gandalf": {}}}, "components.gandalf"),
        ({"components": {"tamiyo": {"replicas": 0}}}, r"components\.tamiyo\.replicas"),
        ({"storage": {"bucket_name": "Bad_Bucket"}}, r"storage\.bucket_name"),
        ({"storage": {"endpoint_url": "localhost:9000"}}, r"storage\.endpoint_url"),
        ({"training": {"learning_rate": 0}}, r"training\.learning_rate"),
        ({"logging": {"format": "xml"}}, r"logging\.format"),
        ({"logging": {"level": "LOUD"}}, r"logging\.level"),
    ],
)
def test_invalid_values_are_a_config_error_naming_file_and_field(
    tmp_path: Path, document: dict[str, Any], problem: str
) -> None:
    path = write(tmp_path / "c.yaml", yaml.safe_dump(document))

    with pytest.raises(ConfigError, match=rf"c\.yaml: invalid configuration[\s\S]*{problem}"):
        load_config(path, env={})


def test_log_level_is_case_insensitive(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", "logging: {level: debug, format: json}\n")

    assert load_config(path, env={}).logging.level == "DEBUG"


def test_env_file_is_parsed_as_dotenv(tmp_path: Path) -> None:
    env_file = write(
        tmp_path / ".env",
        "# comment\nPOSTGRES_USER=alice\nexport REDIS_URL='redis://h:1/0'\nEMPTY=\nNOVALUE\n",
    )

    assert load_env_file(env_file, environ={}) == {
        "POSTGRES_USER": "alice",
        "REDIS_URL": "redis://h:1/0",
        "EMPTY": "",
    }


def test_missing_env_file_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\.env: environment file not found"):
        load_env_file(tmp_path / ".env")


def test_env_file_that_is_not_text_is_a_config_error(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_bytes(b"\xff\xfe\x00KEY=\xff\n")

    with pytest.raises(ConfigError, match="cannot read environment file"):
        load_env_file(env_file)


def test_settings_layer_yaml_then_env_file_then_process_environment(tmp_path: Path) -> None:
    env_file = write(tmp_path / ".env", "POSTGRES_DB=from_file\nPOSTGRES_USER=file_user\n")

    config = load_settings(PHASE1, env_file, environ={"POSTGRES_USER": "process_user"})

    assert config.database.database == "from_file"
    assert config.database.username == "process_user"
    assert config.database.host == "localhost"


def test_settings_without_env_file_use_the_process_environment(tmp_path: Path) -> None:
    config = load_settings(PHASE1, None, environ={"S3_BUCKET_NAME": "from-env"})

    assert config.storage.bucket_name == "from-env"


def test_invalid_value_from_env_file_names_the_env_file(tmp_path: Path) -> None:
    env_file = write(tmp_path / "services.env", "POSTGRES_PORT=99999\n")

    with pytest.raises(ConfigError, match=r"set by POSTGRES_PORT in .*services\.env"):
        load_settings(None, env_file, environ={})


def test_env_example_documents_every_key_the_library_reads() -> None:
    keys = set(load_env_file(REPO / ".env.example"))

    assert keys >= DESIGN_ENV_KEYS
    config = load_settings(PHASE1, REPO / ".env.example", environ={})
    assert config.redis.url == "redis://127.0.0.1:6379/0"


# --- no secret in an error message (issue 10, defect 3) ----------------------------------------

SECRET = "s3cr3t-Pw-that-must-not-leak"


@pytest.mark.parametrize(
    "url",
    [
        f"redis://:{SECRET}@host:99999/0",
        f"redis://user:{SECRET}@host:notaport/0",
        f"http://:{SECRET}@host:6379/0",
        f"{SECRET}@host:6379/0",
        f"redis://:{SECRET}@[::1/0",
    ],
)
def test_bad_redis_url_error_never_shows_its_password(url: str) -> None:
    with pytest.raises(ConfigError, match="REDIS_URL") as excinfo:
        load_config(None, env={"REDIS_URL": url})

    assert SECRET not in str(excinfo.value)


def test_bad_redis_url_port_error_shows_the_url_with_userinfo_redacted() -> None:
    with pytest.raises(ConfigError, match=r"invalid port: 'redis://\*\*\*@host:99999/0'"):
        load_config(None, env={"REDIS_URL": f"redis://:{SECRET}@host:99999/0"})


# --- malformed .env lines (issue 10, defect 4) --------------------------------------------------


def test_unclosed_quote_in_env_file_is_a_config_error_naming_line_and_variable(
    tmp_path: Path,
) -> None:
    env_file = write(tmp_path / ".env", f'POSTGRES_USER=alice\nPOSTGRES_PASSWORD="{SECRET}\n')

    with pytest.raises(
        ConfigError, match=r"\.env: line 2: POSTGRES_PASSWORD has an unterminated quoted value"
    ) as excinfo:
        load_env_file(env_file)

    assert SECRET not in str(excinfo.value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (f"{SECRET}!\n", "is not a KEY=value line"),
        (f"pasted {SECRET}\n", "has a space in its variable name"),
        (f"POSTGRES_PASSWORD=${{{SECRET}\n", "POSTGRES_PASSWORD has an invalid"),
        (f"POSTGRES_PASSWORD=${{UNSET:?{SECRET}}}\n", "POSTGRES_PASSWORD requires UNSET"),
    ],
)
def test_env_line_compose_would_refuse_is_a_config_error_without_its_text(
    tmp_path: Path, text: str, problem: str
) -> None:
    env_file = write(tmp_path / ".env", "A=1\n" + text)

    with pytest.raises(ConfigError, match=rf"line 2: {problem}") as excinfo:
        load_env_file(env_file)

    assert SECRET not in str(excinfo.value)


# --- files that are not UTF-8 (issue 10, defect 5) ---------------------------------------------


def test_yaml_config_that_is_not_utf8_is_a_config_error_naming_file_and_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"name: esper\ndescription: caf\xe9\n")

    with pytest.raises(ConfigError, match=r"c\.yaml: .*not UTF-8 text \(invalid byte on line 2\)"):
        load_config(path, env={})


# --- the .env as compose reads it (issue 10, defect 8) -----------------------------------------


@pytest.mark.parametrize(
    ("text", "environ", "key", "expected"),
    [
        ("A=pa$word\n", {}, "A", "pa"),
        ("A=pa$$word\n", {}, "A", "pa$word"),
        ("A='pa$word'\n", {}, "A", "pa$word"),
        ('A="pa$word"\n', {}, "A", "pa"),
        ('A="pa\\$word"\n', {}, "A", "pa$word"),
        ("A=${UNSET:-fallback}\n", {}, "A", "fallback"),
        ("A=${SET:-fallback}\n", {"SET": "set"}, "A", "set"),
        ("A=${EMPTY-kept}\n", {"EMPTY": ""}, "A", ""),
        ("A=${SET:+alt}\n", {"SET": "x"}, "A", "alt"),
        ("B=1\nA=x${B}y\n", {}, "A", "x1y"),
        ("B=file\nA=$B\n", {"B": "process"}, "A", "process"),
        ("A=value # comment\n", {}, "A", "value"),
        ("A=value#hash\n", {}, "A", "value#hash"),
        ("A=  padded  \n", {}, "A", "padded"),
        ('A="  padded  "\n', {}, "A", "  padded  "),
        ('A="one\\ntwo"\n', {}, "A", "one\ntwo"),
        ("A='one\\ntwo'\n", {}, "A", "one\\ntwo"),
        ("A='it\\'s'\n", {}, "A", "it's"),
        ("A='multi\nline'\n", {}, "A", "multi\nline"),
        ("A=\n", {}, "A", ""),
        ("export A=1\n", {}, "A", "1"),
        ("A: yaml-style\n", {}, "A", "yaml-style"),
        ("A\n", {"A": "inherited"}, "A", "inherited"),
        ("\ufeffA=bom\r\n", {}, "A", "bom"),
    ],
)
def test_env_file_values_are_read_as_docker_compose_reads_them(
    tmp_path: Path, text: str, environ: dict[str, str], key: str, expected: str
) -> None:
    env_file = write(tmp_path / ".env", text)

    assert load_env_file(env_file, environ=environ)[key] == expected


def test_secret_is_taken_verbatim_while_other_settings_are_stripped() -> None:
    config = load_config(None, env={"POSTGRES_PASSWORD": "  spaced  ", "POSTGRES_HOST": " db "})

    assert config.database.password is not None
    assert config.database.password.get_secret_value() == "  spaced  "
    assert config.database.host == "db"


@given(st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=64))
def test_generated_secrets_read_the_same_literally_and_as_compose_reads_them(
    secret: str,
) -> None:
    """roles/esper_services generates its secrets from ascii_letters and digits and writes them
    unquoted; they hold nothing that compose would interpolate, unescape or cut, in any
    quoting."""
    for line in (f"KEY={secret}", f'KEY="{secret}"', f"KEY='{secret}'"):
        assert parse_env(line + "\n", {"KEY": "from-process"})["KEY"] == secret


# --- IPv6 ---------------------------------------------------------------------------------------


def test_ipv6_redis_host_is_bracketed_in_the_url() -> None:
    config = load_config(None, env={"REDIS_URL": "redis://[::1]:6380/1"})

    assert config.redis.host == "::1"
    assert config.redis.url == "redis://[::1]:6380/1"
