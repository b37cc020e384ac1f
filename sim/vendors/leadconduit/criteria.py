"""Acceptance criteria: a tokenizer, recursive-descent parser and three-valued evaluator (never ``eval``).

Grammar (spec/leadconduit.md section 4.2)::

    expr    := or
    or      := and ( "||" and )*
    and     := not ( "&&" not )*
    not     := "!" not | primary
    primary := "(" expr ")" | operand ( cmp operand )?
    cmp     := "==" | "!=" | ">" | ">=" | "<" | "<="
    operand := path | number | 'single' or "double" quoted string | true | false | null
    path    := "lead." ident ( "." ident )*     ident := [A-Za-z_][A-Za-z0-9_]*

Evaluation is Kleene logic over True / False / None (unknown): a path that is absent, ``null`` or an
empty string makes its comparison unknown; ``lenient`` mode lets a final unknown pass, ``strict``
mode rejects it. Numeric strings are coerced when compared with numbers, string equality ignores
case, and a type mismatch that cannot be coerced is False. ``parse`` raises only ``CriteriaError``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MAX_LENGTH = 2000
MAX_DEPTH = 50

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_NUMERIC_STRING = re.compile(r"\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")
_DIGITS = "0123456789"
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_OPERATORS = ("&&", "||", "==", "!=", ">=", "<=", ">", "<", "!", "(", ")")
_FALSE_STRINGS = frozenset({"false", "0", "no", "off"})


class CriteriaError(ValueError):
    """A malformed expression; ``position`` is the 0-based character offset of the problem."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} at position {position}")
        self.reason = message
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str      # an operator itself, or "number" | "string" | "path" | "literal" | "end"
    value: Any
    pos: int


def tokenize(text: str) -> Iterator[Token]:
    """Tokens one at a time, so the parser reports the first problem in reading order."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
            continue
        op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
        if op is not None:
            yield Token(op, op, i)
            i += len(op)
            continue
        if ch == "&" or ch == "|":
            raise CriteriaError(f"unexpected '{ch}' (use '{ch * 2}')", i)
        if ch == "=":
            raise CriteriaError("unexpected '=' (use '==' to compare)", i)
        if ch in _DIGITS or (ch == "-" and i + 1 < n and text[i + 1] in _DIGITS):
            m = _NUMBER.match(text, i)
            raw = m.group(0)
            value: Any = float(raw) if (m.group(1) or m.group(2)) else int(raw)
            yield Token("number", value, i)
            i = m.end()
            continue
        if ch in "'\"":
            value, end = _read_string(text, i)
            yield Token("string", value, i)
            i = end
            continue
        m = _IDENT.match(text, i)
        if m is None:
            raise CriteriaError(f"unexpected character {ch!r}", i)
        start, word = i, m.group(0)
        i = m.end()
        parts = [word]
        while i < n and text[i] == ".":
            seg = _IDENT.match(text, i + 1)
            if seg is None:
                raise CriteriaError("expected a field name after '.'", i + 1)
            parts.append(seg.group(0))
            i = seg.end()
        if len(parts) == 1 and word in ("true", "false", "null"):
            yield Token("literal", {"true": True, "false": False, "null": None}[word], start)
        elif word == "lead" and len(parts) > 1:
            yield Token("path", tuple(parts[1:]), start)
        elif word == "lead":
            raise CriteriaError("'lead' must be followed by a field name, e.g. lead.age", start)
        else:
            raise CriteriaError(f"unknown name {word!r} (field paths start with 'lead.')", start)
    yield Token("end", None, n)


def _read_string(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    out = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        if ch == quote:
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise CriteriaError("unterminated string", start)


# --- parsing: the AST is nested tuples --------------------------------------------------------------
# ("or", [nodes]) ("and", [nodes]) ("not", node) ("cmp", op, left, right) ("truth", operand)
# operands: ("path", parts) ("lit", value)

_CMP = ("==", "!=", ">", ">=", "<", "<=")
_DESCRIBE = {"end": "the end of the expression", "number": "a number", "string": "a string",
             "path": "a field", "literal": "a literal"}


class _Parser:
    def __init__(self, tokens: Iterator[Token]):
        self.tokens = tokens
        self.current: Token | None = None
        self.depth = 0

    def peek(self) -> Token:
        if self.current is None:
            self.current = next(self.tokens)
        return self.current

    def take(self) -> Token:
        tok = self.peek()
        if tok.kind != "end":
            self.current = None  # read the next token only when it is looked at
        return tok

    def parse(self):
        node = self.or_()
        tok = self.peek()
        if tok.kind != "end":
            raise CriteriaError(f"expected '&&', '||' or the end of the expression, found {_describe(tok)}", tok.pos)
        return node

    def or_(self):
        items = [self.and_()]
        while self.peek().kind == "||":
            self.take()
            items.append(self.and_())
        return items[0] if len(items) == 1 else ("or", items)

    def and_(self):
        items = [self.not_()]
        while self.peek().kind == "&&":
            self.take()
            items.append(self.not_())
        return items[0] if len(items) == 1 else ("and", items)

    def not_(self):
        bangs = 0
        while self.peek().kind == "!":
            tok = self.take()
            bangs += 1
            if bangs > MAX_DEPTH:
                raise CriteriaError("too many '!' in a row", tok.pos)
        node = self.primary()
        for _ in range(bangs):
            node = ("not", node)
        return node

    def primary(self):
        tok = self.peek()
        if tok.kind == "(":
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise CriteriaError("parentheses are nested too deeply", tok.pos)
            node = self.or_()
            close = self.peek()
            if close.kind != ")":
                raise CriteriaError(f"expected ')' to close the '(' at position {tok.pos}, found {_describe(close)}",
                                    close.pos)
            self.take()
            self.depth -= 1
            return node
        left = self.operand()
        if self.peek().kind in _CMP:
            op = self.take()
            right = self.operand(after=op.kind)
            return ("cmp", op.kind, left, right)
        return ("truth", left)

    def operand(self, after: str | None = None):
        tok = self.take()
        if tok.kind == "path":
            return ("path", tok.value)
        if tok.kind in ("number", "string", "literal"):
            return ("lit", tok.value)
        where = f" after '{after}'" if after else ""
        raise CriteriaError(f"expected a field, number, string, true, false or null{where}, found {_describe(tok)}",
                            tok.pos)


def _describe(tok: Token) -> str:
    if tok.kind in _DESCRIBE:
        return _DESCRIBE[tok.kind]
    return f"'{tok.value}'"


# --- evaluation ---------------------------------------------------------------------------------------

_MISSING = object()


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _as_number(v: Any):
    if _is_number(v):
        return v
    if isinstance(v, str) and _NUMERIC_STRING.fullmatch(v):
        try:
            return float(v) if any(c in v for c in ".eE") else int(v)
        except (ValueError, OverflowError):
            return None
    return None


def _coerce(a: Any, b: Any) -> tuple[Any, Any] | None:
    """Both values in one comparable type, or None for a mismatch."""
    if a is None or b is None:
        return (a, b)
    if _is_number(a) or _is_number(b):
        x, y = _as_number(a), _as_number(b)
        return None if x is None or y is None else (x, y)
    if isinstance(a, str) and isinstance(b, str):
        x, y = _as_number(a), _as_number(b)
        if x is not None and y is not None:
            return x, y
        return a.casefold(), b.casefold()
    if isinstance(a, bool) or isinstance(b, bool):
        x, y = _as_bool(a), _as_bool(b)
        return None if x is None or y is None else (x, y)
    if type(a) is type(b):
        return (a, b)
    return None


def _as_bool(v: Any):
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().casefold() in ("true", "false"):
        return v.strip().casefold() == "true"
    return None


def _compare(op: str, a: Any, b: Any) -> bool:
    pair = _coerce(a, b)
    if pair is None:
        return False
    x, y = pair
    if op == "==":
        return x == y
    if op == "!=":
        return x != y
    if x is None or y is None or isinstance(x, (bool, dict, list)):
        return False
    try:
        if op == ">":
            return x > y
        if op == ">=":
            return x >= y
        if op == "<":
            return x < y
        return x <= y
    except TypeError:
        return False


def _truthy(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if _is_number(v):
        return v != 0 and not (isinstance(v, float) and math.isnan(v))
    if isinstance(v, str):
        return bool(v) and v.strip().casefold() not in _FALSE_STRINGS
    if v is None:
        return False
    return bool(v)


def _resolve(parts: tuple[str, ...], lead: dict) -> Any:
    value: Any = lead
    for p in parts:
        if not isinstance(value, dict) or p not in value:
            return _MISSING
        value = value[p]
    if value is None or (isinstance(value, str) and not value.strip()):
        return _MISSING
    return value


def _compile_operand(node) -> Callable[[dict], Any]:
    if node[0] == "path":
        parts = node[1]
        return lambda lead: _resolve(parts, lead)
    value = node[1]
    return lambda lead: value


def _junction(parts: list, decisive: bool) -> Callable[[dict], bool | None]:
    """Three-valued ``||`` (decisive True) or ``&&`` (decisive False): the decisive value wins, else unknown
    (None) if any part is unknown, else the other value."""

    def junction(lead):
        unknown = False
        for p in parts:
            r = p(lead)
            if r is decisive:
                return decisive
            unknown = unknown or r is None
        return None if unknown else not decisive
    return junction


def _compile(node) -> Callable[[dict], bool | None]:
    kind = node[0]
    if kind in ("or", "and"):
        return _junction([_compile(n) for n in node[1]], decisive=kind == "or")
    if kind == "not":
        inner = _compile(node[1])

        def not_(lead):
            r = inner(lead)
            return None if r is None else not r
        return not_
    if kind == "cmp":
        op, left, right = node[1], _compile_operand(node[2]), _compile_operand(node[3])

        def cmp(lead):
            a, b = left(lead), right(lead)
            if a is _MISSING or b is _MISSING:
                return None
            return _compare(op, a, b)
        return cmp
    operand = _compile_operand(node[1])

    def truth(lead):
        v = operand(lead)
        return None if v is _MISSING else _truthy(v)
    return truth


class Criteria:
    """A parsed expression; ``evaluate`` gives True, False or None (unknown)."""

    def __init__(self, text: str, ast):
        self.text = text
        self.ast = ast
        self._fn = _compile(ast)

    def evaluate(self, lead: dict) -> bool | None:
        return self._fn(lead)

    def passes(self, lead: dict, strict: bool = False) -> bool:
        result = self._fn(lead)
        return result is True or (result is None and not strict)


def parse(text: Any) -> Criteria:
    """Parse ``text``; raises ``CriteriaError`` (and nothing else) when it is not a valid expression."""
    if not isinstance(text, str):
        raise CriteriaError("acceptance criteria must be a string", 0)
    if len(text) > MAX_LENGTH:
        raise CriteriaError(f"expression is longer than {MAX_LENGTH} characters", MAX_LENGTH)
    parser = _Parser(tokenize(text))
    if parser.peek().kind == "end":
        raise CriteriaError("expected an expression", parser.peek().pos)
    return Criteria(text, parser.parse())


@lru_cache(maxsize=256)
def compiled(text: str) -> Criteria:
    """``parse`` memoised: a flow's criteria are parsed once, not once per lead."""
    return parse(text)
