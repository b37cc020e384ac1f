"""JSON Schema validation of request bodies against ``schemas/<vendor>/<name>.json``."""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING

from sim.core.errors import FieldError
from sim.core.resources import load_json

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

_KIND = {"required": "required", "type": "type", "format": "format", "pattern": "format",
         "enum": "value", "const": "value", "minimum": "value", "maximum": "value",
         "exclusiveMinimum": "value", "exclusiveMaximum": "value", "minLength": "value",
         "maxLength": "value", "minItems": "value", "maxItems": "value", "uniqueItems": "value",
         "additionalProperties": "unknown", "minProperties": "value"}


def json_path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


class Schemas:
    """Compiled validators, one per (vendor, name), loaded on first use."""

    def __init__(self):
        self._validators: dict[tuple[str, str], Draft202012Validator] = {}
        self._fast: dict[tuple[str, str], object] = {}
        self._plain: dict[tuple[str, str], bool] = {}
        self._lock = threading.Lock()

    def validator(self, vendor: str, name: str) -> Draft202012Validator:
        key = (vendor, name)
        v = self._validators.get(key)
        if v is None:
            from jsonschema import Draft202012Validator  # imported on first use: it costs ~50 ms of start-up

            with self._lock:
                schema = load_json("schemas", f"{vendor}/{name}.json")
                Draft202012Validator.check_schema(schema)
                v = self._validators[key] = Draft202012Validator(
                    schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        return v

    def valid(self, vendor: str, name: str, instance) -> bool:
        """True when ``instance`` satisfies the schema (fast path; ``errors`` explains a False). Schemas checked
        this way should not rely on ``format``, which the two validators treat differently."""
        key = (vendor, name)
        fast = self._fast.get(key)
        if fast is None:
            self.validator(vendor, name)  # checks the schema itself
            schema = load_json("schemas", f"{vendor}/{name}.json")
            try:  # optional accelerator: a Rust validator answers "is it valid?" ~300x faster (10,000-lead bodies)
                import jsonschema_rs
            except ImportError:  # pragma: no cover - the pure-Python validator gives the same answers
                jsonschema_rs = None
            fast = self._fast[key] = (jsonschema_rs.validator_for(schema) if jsonschema_rs is not None
                                      else self.validator(vendor, name))
        return fast.is_valid(instance)

    def errors(self, vendor: str, name: str, instance) -> list[FieldError]:
        """Every problem, ordered by path; ``required`` errors name the missing field itself."""
        key = (vendor, name)
        plain = self._plain.get(key)
        if plain is None:  # the fast check may answer "valid" only for schemas without ``format``
            plain = self._plain[key] = '"format"' not in json.dumps(load_json("schemas", f"{vendor}/{name}.json"))
        if plain and self.valid(vendor, name, instance):
            return []
        out = []
        for err in self.validator(vendor, name).iter_errors(instance):
            path = list(err.absolute_path)
            if err.validator == "required":
                missing = err.message.split("'")[1] if "'" in err.message else ""
                path = path + [missing]
            index = next((p for p in path if isinstance(p, int)), None)
            out.append(FieldError(json_path(path) or "body", _KIND.get(err.validator, "value"),
                                  err.message, index))
        out.sort(key=lambda f: (f.index if f.index is not None else -1, f.path))
        return out
