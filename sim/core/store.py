"""Document store: TinyDB documents and queries, O(1) durable writes via snapshot + append-only log.

TinyDB's own ``Table.insert`` rewrites the whole table on every write, so the store keeps
TinyDB's data model (tables of ``Document`` dicts keyed by doc id, searchable with
``tinydb.Query``) in memory and persists it as:

- ``db.json``: a compacted snapshot in TinyDB's own file format (``{table: {doc_id: doc}}``),
  written to a temporary file and renamed, so it is never half-written;
- ``log.jsonl``: one JSON line per committed change, appended with a single ``os.write`` on an
  ``O_APPEND`` descriptor before the write is acknowledged. A process killed at any point leaves
  at most one torn last line, which replay drops (it was never acknowledged).

``fsync=True`` additionally survives power loss at the cost of one fsync per commit.

A ``batch`` is also a savepoint: when an exception leaves it, every change made inside it is undone in
memory and none of its log lines is written, so a failed request changes nothing (an error caught by an
outer batch leaves the outer batch's own changes alone). One store directory belongs to one process:
``leadsim.lock`` is ``flock``ed while the store is open (the kernel frees it when the process dies, even by
``kill -9``), and a second opener gets ``StoreLocked`` naming the holder. A store whose files cannot be read
raises ``StoreError`` naming the file and the reason.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb.table import Document

SNAPSHOT = "db.json"
LOG = "log.jsonl"
LOCK = "leadsim.lock"
COMPACT_LOG_BYTES = 64 * 1024 * 1024
LAZY_LINES = 256  # lazy log lines wait for the next durable append, or until this many are waiting


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)  # one instance: json.dumps builds one per call


def _dumps(obj: Any) -> str:
    return _ENCODER.encode(obj)


class StoreError(Exception):
    """The store's files cannot be loaded: ``file`` is the file, ``reason`` what is wrong with it."""

    def __init__(self, file: str | os.PathLike, reason: str):
        self.file = str(file)
        self.reason = reason
        super().__init__(f"{self.file}: {reason}")


class StoreLocked(StoreError):
    """Another process has the store open; ``holder`` is what it wrote in the lock file (pid, address)."""

    def __init__(self, file: str | os.PathLike, holder: dict):
        self.holder = holder
        who = f"pid {holder.get('pid', '?')}"
        if holder.get("address"):
            who += f", serving {holder['address']}"
        super().__init__(file, f"the store is in use by another leadsim process ({who}); stop it or use another store")


def _clip(value: Any, limit: int = 200) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _valid_entry(entry: Any) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("t"), str):
        return False
    op = entry.get("op")
    if op == "drop":
        return True
    if op == "put":
        return isinstance(entry.get("id"), str) and isinstance(entry.get("doc"), dict)
    return op == "del" and isinstance(entry.get("id"), str)


class Table:
    """One TinyDB-style table: ``{doc_id: document}`` with optional unique secondary indexes."""

    def __init__(self, store: Store, name: str, docs: dict[str, dict] | None = None):
        self._store = store
        self.name = name
        self._docs: dict[str, dict] = docs if docs is not None else {}
        self._indexes: dict[str, dict[Any, str]] = {}
        # Derived, rebuildable data owned by higher layers (e.g. the outreach engine's due-queues).
        # It lives and dies with this Table object: dropped tables, resets and restores start empty.
        self.cache: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._docs

    def __iter__(self) -> Iterator[Document]:
        return (Document(d, doc_id=k) for k, d in list(self._docs.items()))

    # --- reads -------------------------------------------------------------------------
    def get(self, doc_id: str) -> Document | None:
        doc = self._docs.get(doc_id)
        return None if doc is None else Document(doc, doc_id=doc_id)

    def all(self) -> list[Document]:
        return list(self)

    def ids(self) -> list[str]:
        return list(self._docs)

    def first_id(self) -> str | None:
        """The id of the oldest document still present (insertion order), in O(1)."""
        return next(iter(self._docs), None)

    def search(self, cond: Callable[[dict], bool]) -> list[Document]:
        """Documents matching a ``tinydb.Query`` condition (or any predicate), in insertion order."""
        return [Document(d, doc_id=k) for k, d in list(self._docs.items()) if cond(d)]

    def find(self, **fields: Any) -> list[Document]:
        return self.search(lambda d: all(d.get(k) == v for k, v in fields.items()))

    def get_by(self, field: str, value: Any) -> Document | None:
        """O(1) lookup through a unique index on ``field``, built on first use."""
        index = self._indexes.get(field)
        if index is None:
            index = {d[field]: k for k, d in self._docs.items() if d.get(field) is not None}
            self._indexes[field] = index
        doc_id = index.get(value)
        return None if doc_id is None else self.get(doc_id)

    # --- writes ------------------------------------------------------------------------
    def put(self, doc_id: str, doc: dict, *, lazy: bool = False) -> Document:
        """Insert or replace the whole document ``doc_id``.

        ``lazy`` lets the log line wait for the next durable append (at most ``LAZY_LINES`` of them): for
        records whose loss in a crash is harmless, such as the journal entry of a read."""
        doc = dict(doc)
        old = self._docs.get(doc_id)
        self._apply_put(doc_id, doc, old)
        if self._store._depth:
            self._store._undo.append((self, doc_id, old))
        self._store._log({"op": "put", "t": self.name, "id": doc_id, "doc": doc}, lazy=lazy)
        return Document(doc, doc_id=doc_id)

    insert = put

    def update(self, doc_id: str, changes: dict) -> Document:
        """Merge ``changes`` into an existing document (KeyError if it does not exist)."""
        old = self._docs[doc_id]
        doc = {**old, **changes}
        self._apply_put(doc_id, doc, old)
        if self._store._depth:
            self._store._undo.append((self, doc_id, old))
        self._store._log({"op": "put", "t": self.name, "id": doc_id, "doc": doc})
        return Document(doc, doc_id=doc_id)

    def remove(self, doc_id: str) -> bool:
        old = self._docs.pop(doc_id, None)
        if old is None:
            return False
        for field, index in self._indexes.items():
            if old.get(field) is not None and index.get(old[field]) == doc_id:
                del index[old[field]]
        if self._store._depth:
            self._store._undo.append((self, doc_id, old))
        self._store._log({"op": "del", "t": self.name, "id": doc_id})
        return True

    def truncate(self) -> None:
        if self._store._depth and self._docs:
            self._store._undo.append((self, None, dict(self._docs)))
        self._docs.clear()
        self._indexes.clear()
        self.cache.clear()
        self._store._log({"op": "drop", "t": self.name})

    def _undo(self, doc_id: str | None, old: dict | None) -> None:
        """Put back what one write replaced: ``old`` None means the document did not exist; ``doc_id`` None
        means ``old`` is the whole table before a truncate."""
        if doc_id is None:
            self._docs.update(old)
            self._indexes.clear()  # rebuilt on next use
            return
        current = self._docs.get(doc_id)
        if old is None:
            self._docs.pop(doc_id, None)
            for field, index in self._indexes.items():
                if current is not None and current.get(field) is not None and index.get(current[field]) == doc_id:
                    del index[current[field]]
        else:
            self._apply_put(doc_id, old, current)

    def _apply_put(self, doc_id: str, doc: dict, old: dict | None) -> None:
        self._docs[doc_id] = doc
        for field, index in self._indexes.items():
            if old is not None and old.get(field) is not None and index.get(old[field]) == doc_id:
                del index[old[field]]
            if doc.get(field) is not None:
                index[doc[field]] = doc_id


class Store:
    """All tables of one simulator. ``path=None`` keeps everything in memory."""

    def __init__(self, path: str | os.PathLike | None = None, *, fsync: bool = False, owner: dict | None = None):
        self.path = Path(path) if path is not None else None
        self.fsync = fsync
        self.lock = threading.RLock()
        self._tables: dict[str, Table] = {}
        self._pending: list[str] | None = None
        self._lazy: list[str] = []
        self._undo: list[tuple] = []
        self._depth = 0
        self._fd: int | None = None
        self._lock_fd: int | None = None
        self._log_bytes = 0
        # Called with the names of the tables a rollback touched, so owners of derived data can drop it.
        self.rollback_listeners: list[Callable[[set[str]], None]] = []
        if self.path is not None:
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(self.path, exc.strerror or str(exc)) from None
            self._acquire(owner or {})
            try:
                self._load()
                self.compact()
            except BaseException:
                self._release()
                raise

    # --- one process per store -----------------------------------------------------------
    def _acquire(self, owner: dict) -> None:
        lock_path = self.path / LOCK
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(lock_path, exc.strerror or str(exc)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                holder = json.loads(os.pread(fd, 4096, 0) or b"{}")
            except ValueError:
                holder = {}
            os.close(fd)
            raise StoreLocked(lock_path, holder if isinstance(holder, dict) else {}) from None
        info = json.dumps({"pid": os.getpid(), **owner}).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, info, 0)
        self._lock_fd = fd

    def _release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor drops the flock
            self._lock_fd = None

    # --- tables --------------------------------------------------------------------------
    def table(self, name: str) -> Table:
        t = self._tables.get(name)
        if t is None:
            with self.lock:
                t = self._tables.setdefault(name, Table(self, name))
        return t

    def tables(self, prefix: str = "") -> list[str]:
        return [n for n in list(self._tables) if n.startswith(prefix)]

    def drop_tables(self, prefix: str) -> None:
        with self.batch():
            for name in self.tables(prefix):
                table = self._tables.pop(name)
                self._undo.append(("unlink", name, table))
                table.truncate()

    # --- commit ----------------------------------------------------------------------------
    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group writes into one durable append; the lock is held for the whole batch.

        An exception leaving the batch undoes its writes (and drops their log lines) before it propagates."""
        with self.lock:
            if self._depth == 0:
                self._pending = []
                self._undo = []
            mark = (len(self._pending), len(self._undo), len(self._lazy))
            self._depth += 1
            try:
                yield
            except BaseException:
                self._rollback(*mark)
                raise
            finally:
                self._depth -= 1
                if self._depth == 0:
                    lines, self._pending = self._pending, None
                    self._undo = []
                    if lines or len(self._lazy) >= LAZY_LINES:
                        self._append(lines)

    def _rollback(self, pending: int, undo: int, lazy: int) -> None:
        """Undo the writes made since the savepoint ``(pending, undo, lazy)`` and forget their log lines."""
        entries = self._undo[undo:]
        del self._undo[undo:]
        del self._pending[pending:]
        del self._lazy[lazy:]  # lazy lines are only flushed outside a batch, so these are this batch's own
        touched: set[str] = set()
        for item in reversed(entries):
            if item[0] == "unlink":
                _, name, table = item
                self._tables[name] = table
                touched.add(name)
                continue
            table, doc_id, old = item
            table._undo(doc_id, old)
            table.cache.clear()
            touched.add(table.name)
        if touched:
            for listener in self.rollback_listeners:
                listener(touched)

    def _log(self, entry: dict, lazy: bool = False) -> None:
        if self.path is None:
            return
        line = _dumps(entry)
        with self.lock:
            if lazy:
                self._lazy.append(line)
                if len(self._lazy) >= LAZY_LINES and self._pending is None:
                    self._append([])
            elif self._pending is not None:
                self._pending.append(line)
            else:
                self._append([line])

    def _append(self, lines: list[str]) -> None:
        """One write of the waiting lazy lines, then ``lines`` (lazy lines are always the older ones)."""
        if self._fd is None:
            return
        if self._lazy:
            lines, self._lazy = self._lazy + lines, []
        if not lines:
            return
        data = ("\n".join(lines) + "\n").encode()
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]
        if self.fsync:
            os.fsync(self._fd)
        self._log_bytes += len(data)
        if self._log_bytes > COMPACT_LOG_BYTES and self._depth == 0:
            self.compact()

    # --- persistence -----------------------------------------------------------------------
    def _load(self) -> None:
        snap = self.path / SNAPSHOT
        if snap.exists():
            try:
                data = json.loads(snap.read_bytes() or b"{}")
            except OSError as exc:
                raise StoreError(snap, exc.strerror or str(exc)) from None
            except (ValueError, RecursionError) as exc:
                raise StoreError(snap, f"not valid JSON ({_clip(exc)})") from None
            if not isinstance(data, dict) or not all(isinstance(docs, dict) and all(isinstance(d, dict) for d in docs.values())
                                                     for docs in data.values()):
                raise StoreError(snap, "not a leadsim snapshot: expected {table: {id: document}}")
            for name, docs in data.items():
                self._tables[name] = Table(self, name, dict(docs))
        log = self.path / LOG
        if log.exists():
            try:
                raw = log.read_bytes()
            except OSError as exc:
                raise StoreError(log, exc.strerror or str(exc)) from None
            lines = raw.split(b"\n")
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except (ValueError, RecursionError) as exc:
                    if number == len(lines):
                        break  # a torn final line from a crash: never acknowledged
                    raise StoreError(log, f"line {number} is not valid JSON ({_clip(exc)})") from None
                if not _valid_entry(entry):
                    raise StoreError(log, f"line {number} is not a leadsim log entry")
                self._replay(entry)

    def _replay(self, entry: dict) -> None:
        name, op = entry["t"], entry["op"]
        if op == "drop":
            self._tables.pop(name, None)
            return
        table = self._tables.setdefault(name, Table(self, name))
        if op == "put":
            table._docs[entry["id"]] = entry["doc"]
        elif op == "del":
            table._docs.pop(entry["id"], None)

    def compact(self) -> None:
        """Write a fresh snapshot atomically, then start an empty log."""
        if self.path is None:
            return
        with self.lock:
            snap = self.path / SNAPSHOT
            tmp = snap.with_suffix(".json.tmp")
            data = {name: t._docs for name, t in self._tables.items() if t._docs}
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(data, fh, separators=(",", ":"), ensure_ascii=False)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, snap)
            self._lazy = []  # the snapshot holds what they described
            self._fsync_dir()  # the new snapshot is durable before the log it replaces is emptied
            if self._fd is not None:
                os.close(self._fd)
            self._fd = os.open(self.path / LOG, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
            self._log_bytes = 0
            self._fsync_dir()

    def _fsync_dir(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        with self.lock:
            if self.path is not None and self._fd is not None:
                self.compact()
                os.close(self._fd)
                self._fd = None
            self._release()
