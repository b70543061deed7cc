"""One settings system for every package: a TOML file, ``ASCC_*`` overrides, typed sections.

Each package contributes the sections it reads through the ``ascc_register_settings`` hook
(``register("hub", HubSettings)``); the core registers ``[store]`` and ``[keys]`` (below), and
reads ``[[programs]]`` itself. :func:`load_settings` then, once and in one place:

1. reads the file (one file may hold every section: a store's and a hub's);
2. refuses an unknown section or key, naming the file, the key and the reason;
3. applies the environment: ``ASCC_<SECTION>_<KEY>`` for every key of every section, plus the
   short forms a section declares in ``ENV_ALIASES`` (``ASCC_DATABASE_URL`` for the hub's
   ``database_url``); list values are JSON (``["log"]``) or comma-separated;
4. validates each section with its pydantic model and resolves relative paths written in the
   file against the file's folder;
5. remembers where every value came from (``file``, ``env NAME`` or ``default``), which
   ``ascc config show`` prints, secrets masked.

Nothing else reads ``ASCC_*`` settings: the hub's ``create_app`` and the store's handlers take
the resolved sections they are given.
"""

from __future__ import annotations

import os
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

import pluggy
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ascc_plugin.hooks import hookimpl
from ascc_plugin.issuing import MAX_VOUCHERS_PER_EVENT
from ascc_plugin.programs import Program
from ascc_plugin.registry import collect_unique

ENV_PREFIX = "ASCC_"
CONFIG_ENV = "ASCC_CONFIG"
PROGRAMS = "programs"
PROGRAM_LIST: TypeAdapter[tuple[Program, ...]] = TypeAdapter(tuple[Program, ...])
S = TypeVar("S", bound="Section")


class SettingsError(Exception):
    """The settings are missing, unreadable or invalid; the message says where and why."""


class Section(BaseModel):
    """One ``[table]`` of the settings file: immutable, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ENV_ALIASES: ClassVar[Mapping[str, str]] = {}
    """Short environment names of keys: ``{"ASCC_DATABASE_URL": "database_url"}``."""
    SECRETS: ClassVar[frozenset[str]] = frozenset()
    """Keys whose values are masked when settings are shown."""


class StoreSection(Section):
    """``[store]``: the storefront this store service receives webhooks from."""

    SECRETS = frozenset({"webhook_secret", "previous_webhook_secret"})

    platform: Literal["shopify", "woocommerce"] = "shopify"
    shop: str = Field(default="demo.myshopify.com", min_length=1, max_length=255)
    mode: str = Field(default="preview", min_length=1)
    issue_on: Literal["paid", "fulfilled"] = "paid"
    webhook_secret: str = ""
    previous_webhook_secret: str = ""
    events_log: Path = Path("ascc-events.jsonl")
    state_db: Path = Path("ascc-store.sqlite3")
    state_busy_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    max_body_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    max_vouchers_per_event: int = Field(default=MAX_VOUCHERS_PER_EVENT, ge=1)
    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=8000, ge=0, le=65535)


class KeysSection(Section):
    """``[keys]``: the key folder of ``ascc keys generate`` (gsp mode signs vouchers there)."""

    dir: Path | None = None
    issuer: str | None = None


@hookimpl
def ascc_register_settings(register: Callable[[str, type[Section]], None]) -> None:
    """The core's sections (this module is a built-in plugin)."""
    register("store", StoreSection)
    register("keys", KeysSection)


@dataclass(frozen=True)
class Settings:
    """Every section, validated; ``path`` is the file they were read from (``None``: none)."""

    sections: Mapping[str, Section]
    programs: tuple[Program, ...] = ()
    path: Path | None = None
    sources: Mapping[str, str] = field(default_factory=dict)

    def section(self, model: type[S]) -> S:
        """The section of type ``model`` (every registered section exists, at its defaults)."""
        for value in self.sections.values():
            if isinstance(value, model):
                return value
        raise SettingsError(f"no section of type {model.__name__} is registered")

    def updated(self, value: Section) -> Settings:
        """These settings with ``value`` in place of the section of its type."""
        name = next(n for n, s in self.sections.items() if isinstance(s, type(value)))
        return replace(self, sections={**self.sections, name: value})

    def where(self) -> str:
        """How error messages name these settings: the file, else ``settings``."""
        return str(self.path) if self.path else "settings"

    @property
    def store(self) -> StoreSection:
        return self.section(StoreSection)

    @property
    def keys(self) -> KeysSection:
        return self.section(KeysSection)

    @property
    def issuer(self) -> str:
        """The ``iss`` of the tokens a store signs: ``[keys] issuer``, else the shop domain."""
        return self.keys.issuer or self.store.shop


def section_models(pm: pluggy.PluginManager) -> dict[str, type[Section]]:
    """Every section a plugin registered, by table name (a name registered twice is an error)."""
    models = collect_unique(pm.hook.ascc_register_settings, "register", "register the section")
    models.pop(PROGRAMS, None)
    return models


def config_file(given: Path | None = None, env: Mapping[str, str] | None = None) -> Path | None:
    """The settings file: ``given``, else ``ASCC_CONFIG``, else ``./ascc.toml`` if it exists."""
    if given is not None:
        return given
    named = (os.environ if env is None else env).get(CONFIG_ENV)
    if named:
        return Path(named)
    default = Path("ascc.toml")
    return default if default.is_file() else None


def load_settings(
    path: Path | str | None,
    pm: pluggy.PluginManager | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Read ``path`` (``None``: no file), apply the environment, validate every section."""
    file = Path(path) if path is not None else None
    raw = read_toml(file) if file is not None else {}
    return settings_from_mapping(raw, pm, path=file, env=env)


def read_toml(file: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{file}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{file}: not valid TOML ({exc})") from None


def settings_from_mapping(
    raw: Mapping[str, Any],
    pm: pluggy.PluginManager | None = None,
    *,
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Validate already-parsed settings (``path`` names them in errors and anchors paths)."""
    if pm is None:
        from ascc_plugin.host import get_plugin_manager

        pm = get_plugin_manager()
    models = section_models(pm)
    where = str(path) if path else "settings"
    unknown = sorted(set(raw) - set(models) - {PROGRAMS})
    if unknown:
        known = ", ".join(sorted([*models, PROGRAMS]))
        raise SettingsError(f"{where}: [{unknown[0]}]: unknown section (known: {known})")
    loader = _Loader(where, path, os.environ if env is None else env)
    sections = {
        name: loader.section(name, model, raw.get(name, {})) for name, model in models.items()
    }
    programs = loader.programs(raw.get(PROGRAMS, []))
    loader.check()
    return Settings(sections, programs, path, loader.sources)


@dataclass
class _Loader:
    """Validates sections one by one, gathering every problem before refusing."""

    where: str
    path: Path | None
    env: Mapping[str, str]
    problems: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    def section(self, name: str, model: type[Section], table: Any) -> Section:
        if not isinstance(table, Mapping):
            self.problems.append(f"{self.where}: [{name}]: must be a table")
            return model.model_construct()
        values = dict(table)
        origin = dict.fromkeys(values, "file")
        for key, (variable, text) in env_values(name, model, self.env).items():
            values[key], origin[key] = parse_env(model, key, text), f"env {variable}"
        try:
            made = model.model_validate(values)
        except ValidationError as exc:
            self.problems += describe(exc, self.where, name, origin)
            return model.model_construct()
        for key in model.model_fields:
            self.sources[f"{name}.{key}"] = origin.get(key, "default")
        return self._anchored(made, name)

    def programs(self, items: Any) -> tuple[Program, ...]:
        try:
            programs = PROGRAM_LIST.validate_python(items)
        except ValidationError as exc:
            self.problems += describe(exc, self.where, PROGRAMS, {})
            return ()
        seen: set[str] = set()
        for index, program in enumerate(programs):
            if program.id in seen:
                self.problems.append(
                    f"{self.where}: programs[{index}].id: {program.id!r} is defined twice"
                )
            seen.add(program.id)
        return programs

    def check(self) -> None:
        if self.problems:
            raise SettingsError("\n".join(self.problems))

    def _anchored(self, section: Section, name: str) -> Section:
        """Relative paths written in the file, or defaulted, taken from the file's folder."""
        if self.path is None:
            return section
        base = self.path.parent
        moved = {
            key: base / value
            for key, value in section
            if isinstance(value, Path)
            and not value.is_absolute()
            and not self.sources[f"{name}.{key}"].startswith("env")
        }
        return section.model_copy(update=moved) if moved else section


def env_values(
    name: str, model: type[Section], env: Mapping[str, str]
) -> dict[str, tuple[str, str]]:
    """``{key: (variable, text)}`` of the environment variables that set keys of ``name``."""
    found: dict[str, tuple[str, str]] = {}
    for variable, key in model.ENV_ALIASES.items():
        if variable in env:
            found[key] = (variable, env[variable])
    for key in model.model_fields:
        variable = f"{ENV_PREFIX}{name}_{key}".upper()
        if variable in env:
            found[key] = (variable, env[variable])
    return found


def parse_env(model: type[Section], key: str, text: str) -> Any:
    """An environment value for ``key``: a list from JSON or commas, else the text itself."""
    if not is_sequence(model, key):
        return text
    stripped = text.strip()
    if stripped.startswith("["):
        import json

        try:
            return json.loads(stripped)
        except ValueError:
            return text
    return [item.strip() for item in stripped.split(",") if item.strip()]


def _annotation_types(model: type[Section], key: str) -> tuple[Any, ...]:
    annotation = model.model_fields[key].annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return tuple(typing.get_args(annotation))
    return (annotation,)


def is_sequence(model: type[Section], key: str) -> bool:
    return key in model.model_fields and any(
        typing.get_origin(t) in (tuple, list) for t in _annotation_types(model, key)
    )


def describe(exc: ValidationError, where: str, name: str, origin: Mapping[str, str]) -> list[str]:
    """One line per problem: ``FILE: section.key: reason`` (or the variable that set it)."""
    lines = []
    for error in exc.errors(include_url=False):
        parts = [f"[{part}]" if isinstance(part, int) else str(part) for part in error["loc"]]
        key = ".".join([name, *parts]).replace(".[", "[")
        source = origin.get(str(error["loc"][0]) if error["loc"] else "", "file")
        place = source.removeprefix("env ") if source.startswith("env ") else where
        lines.append(f"{place}: {key}: {error['msg']}")
    return lines


def write_settings_file(path: Path, tables: Mapping[str, Any]) -> Path:
    """Write settings as TOML (``{"store": {...}, "programs": [...]}``), made readable by its
    owner only (it may hold secrets); the one way the project writes ``ascc.toml`` files."""
    import tomli_w

    path.parent.mkdir(parents=True, exist_ok=True)
    data = tomli_w.dumps(_plain(tables)).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    return path


def _plain(value: Any) -> Any:
    """Paths as strings, tuples as lists, ``None`` left out: what TOML can hold."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return str(value) if isinstance(value, Path) else value


def masked(value: Any) -> Any:
    """A secret as shown: its last four characters only."""
    text = str(value or "")
    return "" if not text else "…" + text[-4:] if len(text) > 8 else "****"


def shown(settings: Settings) -> dict[str, dict[str, dict[str, Any]]]:
    """Every value with its source, secrets masked: what ``ascc config show`` prints."""
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for name, section in sorted(settings.sections.items()):
        values = section.model_dump(mode="json")
        table[name] = {
            key: {
                "value": masked(value) if key in type(section).SECRETS else value,
                "source": settings.sources.get(f"{name}.{key}", "default"),
            }
            for key, value in values.items()
        }
    table[PROGRAMS] = {
        program.id: {"value": program.model_dump(mode="json"), "source": "file"}
        for program in settings.programs
    }
    return table
