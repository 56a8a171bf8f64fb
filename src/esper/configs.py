"""Esper configuration: a YAML file (e.g. ``configs/phase1_mvp.yaml``) plus environment overrides.

Precedence, lowest first: the models' defaults, the YAML file, the services ``.env`` file, the
process environment. The environment keys are exactly those of the services ``.env``
(docs/design.md): ``POSTGRES_HOST``, ``POSTGRES_PORT``, ``POSTGRES_DB``, ``POSTGRES_USER``,
``POSTGRES_PASSWORD``, ``REDIS_URL``, ``REDIS_PASSWORD``, ``MINIO_ROOT_USER``,
``MINIO_ROOT_PASSWORD``, ``S3_ENDPOINT_URL``, ``S3_BUCKET_NAME``. An empty value counts as unset.

The ``.env`` is read exactly as docker compose reads it (``esper.envfile``: quoting, comments and
``$VAR`` interpolation), so the library and the containers see the same values.

Secrets are ``SecretStr``: they print as ``**********`` in ``str``, ``repr`` and JSON dumps; call
``get_secret_value()`` where the secret is really needed. Secrets are taken verbatim: other strings
are stripped of surrounding whitespace, a secret is not (compose passes ``"  x  "`` to the
container as is). Every problem (missing file, file not UTF-8, malformed YAML or ``.env``, invalid
value) raises ``ConfigError`` naming the file and the problem, never a secret: a ``.env`` problem
names the line and variable, and a URL's ``user:password@`` is shown as ``***@``.
"""

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
)

from esper.contracts.enums import ComponentType
from esper.envfile import EnvFileError, parse_env
from esper.utils.redact import redact_urls

Port = Annotated[int, Field(ge=1, le=65535)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""A non-empty setting, stripped of surrounding whitespace (secrets are ``SecretStr``, never
stripped)."""


class ConfigError(Exception):
    """The configuration cannot be loaded; the message names the source and the problem."""


class _ConfigModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_ConfigModel):
    """PostgreSQL holding Urza's metadata."""

    host: NonEmpty = "localhost"
    port: Port = 5432
    database: NonEmpty = "urza_db"
    username: NonEmpty = "esper_admin"
    password: SecretStr | None = None
    ssl_mode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] = (
        "prefer"
    )


class RedisConfig(_ConfigModel):
    """Redis, the Oona message bus (Redis Streams)."""

    host: NonEmpty = "localhost"
    port: Port = 6379
    database: NonNegativeInt = 0
    password: SecretStr | None = None
    ssl: bool = False

    @property
    def url(self) -> str:
        """The connection URL *without* the password (pass that separately); an IPv6 host is
        bracketed, as URLs require."""
        scheme = "rediss" if self.ssl else "redis"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}/{self.database}"


class StorageConfig(_ConfigModel):
    """The S3-compatible artifact store (MinIO)."""

    endpoint_url: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^https?://[^\s/]+(/\S*)?$")
    ] = "http://localhost:9000"
    access_key: NonEmpty = "minio_admin"
    secret_key: SecretStr | None = None
    bucket_name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$"),
    ] = "esper-artifacts"
    region: NonEmpty = "us-east-1"


class ComponentConfig(_ConfigModel):
    """How one Esper component is deployed."""

    enabled: bool = True
    replicas: PositiveInt = 1
    resources: dict[str, Any] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)


class TrainingConfig(_ConfigModel):
    """The host model's training run."""

    dataset: NonEmpty = "cifar10"
    model: NonEmpty = "resnet18"
    batch_size: PositiveInt = 128
    learning_rate: PositiveFloat = 1e-3
    max_epochs: PositiveInt = 100
    seeds_per_layer: PositiveInt = 1
    adaptation_interval_epochs: PositiveInt = 5
    device: Literal["auto", "cpu", "cuda"] = "auto"
    random_seed: int | None = 42
    checkpoint_dir: NonEmpty = "checkpoints"


class LoggingConfig(_ConfigModel):
    """Logging for every component (see ``esper.utils.logging.setup_logging``)."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    format: Literal["text", "json"] = "text"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class EsperConfig(_ConfigModel):
    """The whole Esper configuration."""

    name: NonEmpty = "esper"
    version: NonEmpty = "0.1.0"
    environment: Literal["development", "staging", "production"] = "development"
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    redis: RedisConfig = Field(default_factory=RedisConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    components: dict[ComponentType, ComponentConfig] = Field(default_factory=dict)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)


def _redis_url_overrides(url: str) -> dict[str, Any]:
    """The redis settings ``REDIS_URL`` sets. Messages show the URL with its userinfo redacted
    (it may hold the password), or not at all when it cannot be split into parts."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValueError("is not a URL of the form redis://host:port/db") from None
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError("must start with redis:// or rediss://")
    values: dict[str, Any] = {"ssl": parts.scheme == "rediss"}
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"has an invalid port: {redact_urls(url)!r}") from None
    if parts.hostname:
        values["host"] = parts.hostname
    if port is not None:
        values["port"] = port
    database = parts.path.strip("/")
    if database:
        values["database"] = database
    if parts.password:
        values["password"] = unquote(parts.password)
    return values


def _single(section: str, field: str) -> Callable[[str], dict[str, dict[str, Any]]]:
    return lambda value: {section: {field: value}}


ENV_OVERRIDES: Mapping[str, Callable[[str], dict[str, dict[str, Any]]]] = {
    "POSTGRES_HOST": _single("database", "host"),
    "POSTGRES_PORT": _single("database", "port"),
    "POSTGRES_DB": _single("database", "database"),
    "POSTGRES_USER": _single("database", "username"),
    "POSTGRES_PASSWORD": _single("database", "password"),
    "REDIS_URL": lambda value: {"redis": _redis_url_overrides(value)},
    "REDIS_PASSWORD": _single("redis", "password"),
    "MINIO_ROOT_USER": _single("storage", "access_key"),
    "MINIO_ROOT_PASSWORD": _single("storage", "secret_key"),
    "S3_ENDPOINT_URL": _single("storage", "endpoint_url"),
    "S3_BUCKET_NAME": _single("storage", "bucket_name"),
}
"""Each ``.env`` key and the configuration values it sets. REDIS_PASSWORD wins over a password
embedded in REDIS_URL."""


def _read_yaml(path: Path) -> dict[str, Any]:
    text = _read_text(path, "configuration file")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: malformed YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ConfigError(f"{path}: expected a mapping at the top level, the file is {kind}")
    return data


def _read_text(path: Path, kind: str) -> str:
    """The file's text; a missing, unreadable or non-UTF-8 file is a ``ConfigError`` (the bad
    byte is located by line, never shown)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: {kind} not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {kind}: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path}: cannot read {kind}: not UTF-8 text (invalid byte on line {line})"
        ) from None


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            merged[key] = _merge(current, value)
        else:
            merged[key] = value
    return merged


def _describe(errors: ValidationError, origins: Mapping[tuple[str, str], str]) -> str:
    lines = []
    for error in errors.errors(include_url=False, include_input=False):
        loc = tuple(str(part) for part in error["loc"])
        origin = origins.get((loc[0], loc[1])) if len(loc) >= 2 else None
        suffix = f" (set by {origin})" if origin else ""
        lines.append(f"  {'.'.join(loc) or '<root>'}: {error['msg']}{suffix}")
    return "\n".join(lines)


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    env_source: str = "environment",
) -> EsperConfig:
    """Load the configuration from ``path`` (YAML; defaults only when ``None``) and ``env``.

    ``env`` defaults to ``os.environ``; pass ``{}`` to ignore the environment. ``env_source``
    names where ``env`` came from, for error messages.
    """
    source = str(path) if path is not None else "<defaults>"
    data = _read_yaml(Path(path)) if path is not None else {}
    environ = os.environ if env is None else env
    origins: dict[tuple[str, str], str] = {}
    for key, to_values in ENV_OVERRIDES.items():
        value = environ.get(key)
        if not value:
            continue
        try:
            overrides = to_values(value)
        except ValueError as exc:
            raise ConfigError(f"{source} + {env_source}: {key} {exc}") from None
        for section, fields in overrides.items():
            for field in fields:
                origins[(section, field)] = f"{key} in {env_source}"
        data = _merge(data, overrides)
    try:
        return EsperConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            f"{source}: invalid configuration ({exc.error_count()} problem(s)):\n"
            + _describe(exc, origins)
        ) from None


def load_env_file(
    path: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Read a services ``.env`` as docker compose does (see ``esper.envfile``), interpolating
    ``$VAR`` against ``environ`` (default ``os.environ``) and the keys defined above it.

    A line compose would refuse (an unclosed quote, a bad name, a bad ``${...}``) is a
    ``ConfigError`` naming the file, the line and the variable, never the value.
    """
    env_path = Path(path)
    if not env_path.is_file():
        raise ConfigError(f"{env_path}: environment file not found")
    text = _read_text(env_path, "environment file")
    try:
        return parse_env(text, os.environ if environ is None else environ)
    except EnvFileError as exc:
        raise ConfigError(f"{env_path}: {exc}") from None


def load_settings(
    config_path: str | os.PathLike[str] | None = None,
    env_file: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> EsperConfig:
    """The configuration as the library and ``esper doctor`` see it.

    YAML file (optional), then the ``.env`` file (optional), then ``environ`` (default
    ``os.environ``), each overriding the previous.
    """
    process_env = dict(os.environ if environ is None else environ)
    if env_file is None:
        return load_config(config_path, env=process_env)
    from_file = load_env_file(env_file, environ=process_env)
    merged = {**from_file, **{k: v for k, v in process_env.items() if v}}
    return load_config(config_path, env=merged, env_source=f"{env_file} / environment")
