"""What a setting that is not allowed looks like to the person who set it: ``ELT_X=<value>: <what is allowed>``.

Pydantic reports a field path (``daily_revenue.max_stddevs``); people set environment variables or keys of a YAML
file. This module turns one into the other, so every message names the variable (or the file and key) as it was
written, the value as it was written, and what is allowed instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, EnvSettingsSource


class InvalidSettingsError(Exception):
    """Settings that are not allowed, one line per problem; raised before any work starts.

    Not a ValueError on purpose: pydantic would wrap one raised inside a validator into its own report.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid settings, nothing was done:\n" + "\n".join(f"  {p}" for p in self.problems))


def environment() -> dict[str, str]:
    """The environment by upper-case name: pydantic-settings reads names case-insensitively."""
    return {name.upper(): value for name, value in os.environ.items()}


def env_name(cls: type[BaseSettings], loc: Sequence[str | int]) -> str:
    """The variable that sets ``loc`` of ``cls``: its alias, or prefix + name, nested keys joined by ``__``."""
    name = _field_name(cls, loc[0])
    alias = cls.model_fields[name].validation_alias
    base = alias if isinstance(alias, str) else cls.model_config.get("env_prefix", "") + name
    return "__".join([base, *map(str, loc[1:])]).upper()


def _field_name(cls: type[BaseModel], key: str | int) -> str:
    for name, field in cls.model_fields.items():
        if key in (name, field.validation_alias):
            return name
    return str(key)


def _contains(raw: str, path: Sequence[str | int]) -> bool:
    """Whether the JSON value of a variable holds ``path`` (else the value came from elsewhere, the YAML file)."""
    try:
        value = json.loads(raw)
    except ValueError:
        return True
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return False
        value = value[key]
    return True


def origin(cls: type[BaseSettings], loc: Sequence[str | int], value: Any, file: Path | None) -> str:
    """``ELT_X=<raw value>`` when a variable set it (with the key inside its JSON), else ``key=value in <file>``.

    ``value`` is None for a missing one."""
    env = environment()
    nested = cls.model_config.get("env_nested_delimiter") == "__"
    for depth in range(len(loc) if nested else 1, 0, -1):
        name = env_name(cls, loc[:depth])
        rest = loc[depth:]
        if name in env and _contains(env[name], rest):
            return f"{name}={env[name]}" + (f" ({'.'.join(map(str, rest))})" if rest else "")
    key = ".".join([_field_name(cls, loc[0]), *map(str, loc[1:])])
    if file is not None:
        return f"{key}{_shown(value)} in {file}"
    return f"{env_name(cls, loc[:1])}{_shown(value)}"


def _shown(value: Any) -> str:
    """``=value``, nothing for a value that is missing."""
    if value is None:
        return ""
    return "=" + (json.dumps(value) if isinstance(value, dict | list) else str(value))


_OURS = {
    "missing": "required",
    "path_not_file": "must be an existing file",
    "path_not_directory": "must be an existing directory",
}


def allowed(cls: type[BaseModel], error: ErrorDetails) -> str:
    """What is allowed, in pydantic's words where they say it, in ours where they do not."""
    if error["type"] in _OURS:
        return _OURS[error["type"]]
    if error["type"] == "extra_forbidden":
        model = _model_at(cls, error["loc"][:-1])
        return "not a known key" + (f"; known: {', '.join(model.model_fields)}" if model else "")
    message = error["msg"].removeprefix("Value error, ")
    return message.replace("Input should be", "must be", 1)


def _model_at(cls: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    model: Any = cls
    for key in loc:
        field = model.model_fields.get(_field_name(model, key)) if isinstance(model, type) else None
        model = field.annotation if field else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


class ExplainedEnvSource(EnvSettingsSource):
    """The environment, where a value that should be JSON and is not says so, with an example."""

    def prepare_field_value(self, field_name: str, field: Any, value: Any, value_is_complex: bool) -> Any:
        try:
            return super().prepare_field_value(field_name, field, value, value_is_complex)
        except ValueError:
            name = env_name(self.settings_cls, [field_name])
            example = f", e.g. {name}='{json.dumps(field.examples[0])}'" if field.examples else ""
            raise InvalidSettingsError([f"{name}={value}: must be JSON{example}"]) from None
