"""The document store: TinyDB's data model and Query API, unique indexes, snapshot + log persistence."""

from __future__ import annotations

import itertools
import json
import os
import shutil

import pytest
from tinydb import Query, TinyDB
from tinydb.storages import JSONStorage
from tinydb.table import Document
from tinydb.table import Table as TinyTable

from sim.core.store import LOCK, LOG, SNAPSHOT, Store, StoreError, StoreLocked

_copies = itertools.count()


def killed(path):
    """The files of ``path`` as a ``kill -9`` of its (still open) store would leave them, in a new directory:
    one store directory belongs to one open Store, so a restart is modelled on a copy."""
    dst = path.parent / f"{path.name}-after-kill-{next(_copies)}"
    shutil.copytree(path, dst)
    return dst


@pytest.fixture
def mem():
    return Store(None)


def _log_lines(path) -> list[dict]:
    return [json.loads(line) for line in (path / LOG).read_text().splitlines() if line]


# --- TinyDB data model and queries -----------------------------------------------------------------

def test_search_accepts_a_tinydb_query(mem):
    t = mem.table("leads")
    t.put("a", {"x": 1, "email": "a@example.com"})
    t.put("b", {"x": 2, "email": "b@example.com"})
    t.put("c", {"x": 1, "email": "c@example.com"})
    found = t.search(Query().x == 1)
    assert [d.doc_id for d in found] == ["a", "c"]


def test_search_supports_compound_tinydb_queries(mem):
    t = mem.table("leads")
    t.put("a", {"x": 1, "tags": ["vip"], "name": "Ann"})
    t.put("b", {"x": 2, "tags": [], "name": "Bob"})
    t.put("c", {"x": 3, "tags": ["vip"], "name": "Cid"})
    q = Query()
    assert [d.doc_id for d in t.search((q.x > 1) & q.tags.any(["vip"]))] == ["c"]
    assert [d.doc_id for d in t.search(q.name.matches("A.*") | (q.x == 2))] == ["a", "b"]


def test_documents_are_tinydb_documents_with_their_id(mem):
    t = mem.table("leads")
    t.put("lead_1", {"x": 1})
    doc = t.get("lead_1")
    assert isinstance(doc, Document)
    assert doc.doc_id == "lead_1"
    assert doc == {"x": 1}


def test_find_matches_every_given_field(mem):
    t = mem.table("leads")
    t.put("a", {"campaign": "c1", "status": "active"})
    t.put("b", {"campaign": "c1", "status": "paused"})
    assert [d.doc_id for d in t.find(campaign="c1", status="paused")] == ["b"]


def test_all_ids_and_len_keep_insertion_order(mem):
    t = mem.table("leads")
    for name in ("z", "a", "m"):
        t.put(name, {"n": name})
    assert t.ids() == ["z", "a", "m"]
    assert [d.doc_id for d in t.all()] == ["z", "a", "m"]
    assert len(t) == 3
    assert "a" in t and "q" not in t
    assert t.first_id() == "z"


def test_update_merges_changes_into_the_document(mem):
    t = mem.table("leads")
    t.put("a", {"x": 1, "y": 2})
    assert t.update("a", {"y": 3, "z": 4}) == {"x": 1, "y": 3, "z": 4}
    assert t.get("a") == {"x": 1, "y": 3, "z": 4}


def test_update_of_a_missing_document_raises_key_error(mem):
    with pytest.raises(KeyError):
        mem.table("leads").update("nope", {"x": 1})


def test_put_stores_a_copy_of_the_callers_dict(mem):
    t = mem.table("leads")
    doc = {"x": 1}
    t.put("a", doc)
    doc["x"] = 2
    assert t.get("a") == {"x": 1}


def test_remove_reports_whether_the_document_existed(mem):
    t = mem.table("leads")
    t.put("a", {"x": 1})
    assert t.remove("a") is True
    assert t.remove("a") is False
    assert t.get("a") is None


# --- unique index ----------------------------------------------------------------------------------

def test_get_by_finds_a_document_by_a_unique_field(mem):
    t = mem.table("leads")
    t.put("a", {"email": "a@example.com"})
    t.put("b", {"email": "b@example.com"})
    assert t.get_by("email", "b@example.com").doc_id == "b"
    assert t.get_by("email", "nobody@example.com") is None


def test_get_by_index_follows_puts_after_it_was_built(mem):
    t = mem.table("leads")
    t.put("a", {"email": "a@example.com"})
    assert t.get_by("email", "a@example.com").doc_id == "a"
    t.put("b", {"email": "b@example.com"})
    assert t.get_by("email", "b@example.com").doc_id == "b"


def test_get_by_index_follows_a_changed_value(mem):
    t = mem.table("leads")
    t.put("a", {"email": "old@example.com"})
    t.get_by("email", "old@example.com")
    t.update("a", {"email": "new@example.com"})
    assert t.get_by("email", "old@example.com") is None
    assert t.get_by("email", "new@example.com").doc_id == "a"


def test_get_by_index_follows_a_replaced_document(mem):
    t = mem.table("leads")
    t.put("a", {"email": "old@example.com"})
    t.get_by("email", "old@example.com")
    t.put("a", {"name": "no email any more"})
    assert t.get_by("email", "old@example.com") is None


def test_get_by_index_forgets_a_removed_document(mem):
    t = mem.table("leads")
    t.put("a", {"email": "a@example.com"})
    t.get_by("email", "a@example.com")
    t.remove("a")
    assert t.get_by("email", "a@example.com") is None
    t.put("b", {"email": "a@example.com"})
    assert t.get_by("email", "a@example.com").doc_id == "b"


def test_get_by_index_is_emptied_by_truncate(mem):
    t = mem.table("leads")
    t.put("a", {"email": "a@example.com"})
    t.get_by("email", "a@example.com")
    t.truncate()
    assert t.get_by("email", "a@example.com") is None
    assert len(t) == 0


def test_get_by_ignores_documents_without_the_field(mem):
    t = mem.table("leads")
    t.put("a", {"email": None})
    t.put("b", {"name": "x"})
    assert t.get_by("email", None) is None


# --- persistence -----------------------------------------------------------------------------------

def test_file_store_round_trips_puts_updates_and_removes(tmp_path):
    s = Store(tmp_path)
    t = s.table("w/ws1/toy/things")
    t.put("a", {"n": 1, "nested": {"list": [1, 2], "text": "héllo"}})
    t.put("b", {"n": 2})
    t.update("a", {"n": 10})
    t.remove("b")
    s.close()
    again = Store(tmp_path)
    table = again.table("w/ws1/toy/things")
    assert table.ids() == ["a"]
    assert table.get("a") == {"n": 10, "nested": {"list": [1, 2], "text": "héllo"}}
    again.close()


def test_writes_reach_the_log_before_close(tmp_path):
    s = Store(tmp_path)
    s.table("things").put("a", {"n": 1})
    assert _log_lines(tmp_path) == [{"op": "put", "t": "things", "id": "a", "doc": {"n": 1}}]
    reopened = Store(killed(tmp_path))  # as after a kill -9: the log is replayed
    assert reopened.table("things").get("a") == {"n": 1}
    reopened.close()
    s.close()


def test_truncated_and_dropped_tables_stay_gone_after_reopen(tmp_path):
    s = Store(tmp_path)
    s.table("w/ws1/a").put("x", {"n": 1})
    s.table("w/ws1/b").put("y", {"n": 2})
    s.table("keep").put("z", {"n": 3})
    s.close()
    s = Store(tmp_path)
    s.drop_tables("w/ws1/")
    s2 = Store(killed(tmp_path))  # replays the drop entries from the log
    assert s2.tables("w/ws1/") == []
    assert s2.table("keep").get("z") == {"n": 3}
    s2.close()
    s.close()


def test_snapshot_is_in_tinydb_file_format(tmp_path):
    s = Store(tmp_path)
    s.table("leads").put("lead_1", {"email": "a@example.com", "n": 1})
    s.table("leads").put("lead_2", {"email": "b@example.com", "n": 2})
    s.close()
    data = json.loads((tmp_path / SNAPSHOT).read_text())
    assert data == {"leads": {"lead_1": {"email": "a@example.com", "n": 1},
                              "lead_2": {"email": "b@example.com", "n": 2}}}


class _StrIdTable(TinyTable):
    document_id_class = str  # our document ids are strings like "lead_1", not TinyDB's integers


def test_tinydb_itself_opens_the_snapshot_and_queries_it(tmp_path):
    s = Store(tmp_path)
    s.table("leads").put("lead_1", {"email": "a@example.com", "n": 1})
    s.table("leads").put("lead_2", {"email": "b@example.com", "n": 2})
    s.close()
    TinyDB.table_class = _StrIdTable
    try:
        db = TinyDB(tmp_path / SNAPSHOT, storage=JSONStorage, access_mode="r")
        assert db.tables() == {"leads"}
        found = db.table("leads").search(Query().n == 2)
        assert [(d.doc_id, d["email"]) for d in found] == [("lead_2", "b@example.com")]
        db.close()
    finally:
        TinyDB.table_class = TinyTable


def test_reopening_compacts_the_log_into_the_snapshot(tmp_path):
    s = Store(tmp_path)
    s.table("things").put("a", {"n": 1})
    after = killed(tmp_path)
    again = Store(after)
    assert (after / LOG).read_text() == ""
    assert json.loads((after / SNAPSHOT).read_text()) == {"things": {"a": {"n": 1}}}
    again.close()
    s.close()


def test_a_torn_final_log_line_is_dropped_on_load(tmp_path):
    s = Store(tmp_path)
    s.table("things").put("a", {"n": 1})
    s.table("things").put("b", {"n": 2})
    with open(tmp_path / LOG, "ab") as fh:  # a crash in the middle of the third append
        fh.write(b'{"op":"put","t":"things","id":"c","doc":{"n"')
    after = killed(tmp_path)
    again = Store(after)
    assert again.table("things").ids() == ["a", "b"]
    assert json.loads((after / SNAPSHOT).read_text()) == {"things": {"a": {"n": 1}, "b": {"n": 2}}}
    again.close()
    s.close()


def test_a_store_reopened_after_a_torn_line_accepts_new_writes(tmp_path):
    s = Store(tmp_path)
    s.table("things").put("a", {"n": 1})
    with open(tmp_path / LOG, "ab") as fh:
        fh.write(b'{"op":"put"')
    after = killed(tmp_path)
    again = Store(after)
    again.table("things").put("c", {"n": 3})
    third = Store(killed(after))
    assert third.table("things").ids() == ["a", "c"]
    for st in (third, again, s):
        st.close()


def test_a_crash_between_snapshot_and_log_truncation_loses_nothing(tmp_path):
    s = Store(tmp_path)
    t = s.table("things")
    t.put("a", {"n": 1})
    t.put("b", {"n": 2})
    t.remove("a")
    t.update("b", {"n": 3})
    s.table("gone").put("x", {"n": 0})
    s.table("gone").truncate()
    s.table("gone").put("y", {"n": 9})
    old_log = (tmp_path / LOG).read_bytes()
    s.close()  # writes the new snapshot...
    (tmp_path / LOG).write_bytes(old_log)  # ...but "dies" before the old log is emptied
    again = Store(tmp_path)  # replays the whole old log over the new snapshot
    assert {name: {d.doc_id: dict(d) for d in again.table(name)} for name in ("things", "gone")} == \
           {"things": {"b": {"n": 3}}, "gone": {"y": {"n": 9}}}
    again.close()


def test_no_temporary_file_is_left_after_compaction(tmp_path):
    s = Store(tmp_path)
    s.table("things").put("a", {"n": 1})
    s.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([SNAPSHOT, LOG, LOCK])


def test_memory_store_writes_no_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = Store(None)
    s.table("things").put("a", {"n": 1})
    s.close()
    assert list(tmp_path.iterdir()) == []


# --- batches ---------------------------------------------------------------------------------------

def test_batch_writes_its_changes_in_one_append(tmp_path, monkeypatch):
    s = Store(tmp_path)
    appends = []
    real = s._append
    monkeypatch.setattr(s, "_append", lambda lines: (appends.append(list(lines)), real(lines)))
    with s.batch():
        t = s.table("things")
        t.put("a", {"n": 1})
        t.put("b", {"n": 2})
        t.update("a", {"n": 3})
        t.remove("b")
    assert len(appends) == 1
    assert [json.loads(line)["op"] for line in appends[0]] == ["put", "put", "put", "del"]
    s.close()


def test_batch_appends_nothing_until_it_ends(tmp_path):
    s = Store(tmp_path)
    with s.batch():
        s.table("things").put("a", {"n": 1})
        assert (tmp_path / LOG).read_text() == ""
    assert len(_log_lines(tmp_path)) == 1
    s.close()


def test_nested_batches_append_once_at_the_outermost_end(tmp_path, monkeypatch):
    s = Store(tmp_path)
    appends = []
    real = s._append
    monkeypatch.setattr(s, "_append", lambda lines: (appends.append(len(lines)), real(lines)))
    with s.batch():
        s.table("things").put("a", {"n": 1})
        with s.batch():
            s.table("things").put("b", {"n": 2})
        assert appends == []
    assert appends == [2]
    s.close()


def test_a_batch_that_raises_changes_nothing_in_memory(tmp_path):
    s = Store(tmp_path)
    s.table("things").put("kept", {"n": 0})
    with pytest.raises(RuntimeError), s.batch():
        s.table("things").put("a", {"n": 1})
        s.table("things").update("kept", {"n": 5})
        raise RuntimeError("boom")
    assert {d.doc_id: dict(d) for d in s.table("things")} == {"kept": {"n": 0}}
    s.close()


def test_a_batch_that_raises_writes_nothing_to_the_log(tmp_path):
    s = Store(tmp_path)
    with pytest.raises(RuntimeError), s.batch():
        s.table("things").put("a", {"n": 1})
        raise RuntimeError("boom")
    assert _log_lines(tmp_path) == []
    again = Store(killed(tmp_path))  # memory and disk agree: the undone write is not on disk either
    assert again.table("things").get("a") is None
    again.close()
    s.close()


def test_a_failed_inner_batch_undoes_only_its_own_writes(tmp_path):
    s = Store(tmp_path)
    with s.batch():
        s.table("things").put("outer", {"n": 1})
        with pytest.raises(ValueError), s.batch():
            s.table("things").put("inner", {"n": 2})
            s.table("things").remove("outer")
            raise ValueError("inner")
    assert s.table("things").ids() == ["outer"]
    assert [(e["op"], e["id"]) for e in _log_lines(tmp_path)] == [("put", "outer")]
    s.close()


def test_a_failed_batch_restores_truncated_and_dropped_tables(tmp_path):
    s = Store(tmp_path)
    s.table("w/ws1/a").put("x", {"n": 1})
    s.table("keep").put("z", {"n": 3})
    with pytest.raises(RuntimeError), s.batch():
        s.drop_tables("w/ws1/")
        s.table("keep").truncate()
        s.table("w/ws1/a").put("new", {"n": 9})
        raise RuntimeError("boom")
    assert s.table("w/ws1/a").ids() == ["x"]
    assert s.table("keep").get("z") == {"n": 3}
    assert _log_lines(tmp_path) == [{"op": "put", "t": "w/ws1/a", "id": "x", "doc": {"n": 1}},
                                    {"op": "put", "t": "keep", "id": "z", "doc": {"n": 3}}]
    s.close()


def test_a_rolled_back_update_restores_the_unique_index(tmp_path):
    s = Store(None)
    t = s.table("leads")
    t.put("l1", {"email": "a@example.com"})
    assert t.get_by("email", "a@example.com").doc_id == "l1"
    with pytest.raises(RuntimeError), s.batch():
        t.update("l1", {"email": "b@example.com"})
        raise RuntimeError("boom")
    assert t.get_by("email", "a@example.com").doc_id == "l1"
    assert t.get_by("email", "b@example.com") is None


def test_rollback_listeners_hear_which_tables_were_touched():
    s = Store(None)
    heard = []
    s.rollback_listeners.append(heard.append)
    with pytest.raises(RuntimeError), s.batch():
        s.table("w/ws1/x").put("a", {})
        raise RuntimeError("boom")
    assert heard == [{"w/ws1/x"}]


# --- loading and the lock file ----------------------------------------------------------------------

def test_a_second_store_on_an_open_directory_is_refused_naming_the_holder(tmp_path):
    s = Store(tmp_path, owner={"address": "http://127.0.0.1:8080"})
    with pytest.raises(StoreLocked) as caught:
        Store(tmp_path)
    assert caught.value.holder == {"pid": os.getpid(), "address": "http://127.0.0.1:8080"}
    assert f"pid {os.getpid()}, serving http://127.0.0.1:8080" in str(caught.value)
    s.close()


def test_closing_a_store_frees_its_directory(tmp_path):
    Store(tmp_path).close()
    Store(tmp_path).close()


def test_a_snapshot_that_is_not_json_is_reported_with_the_file(tmp_path):
    (tmp_path / SNAPSHOT).write_text("{not json")
    with pytest.raises(StoreError) as caught:
        Store(tmp_path)
    assert caught.value.file == str(tmp_path / SNAPSHOT)
    assert caught.value.reason.startswith("not valid JSON")


def test_a_snapshot_of_the_wrong_shape_is_reported(tmp_path):
    (tmp_path / SNAPSHOT).write_text('{"things": [1, 2]}')
    with pytest.raises(StoreError) as caught:
        Store(tmp_path)
    assert caught.value.reason == "not a leadsim snapshot: expected {table: {id: document}}"


def test_a_bad_line_before_the_last_is_reported_not_silently_dropped(tmp_path):
    (tmp_path / LOG).write_bytes(b'{"op":"put","t":"a","id":"1","doc":{}}\ngarbage\n{"op":"del","t":"a","id":"1"}\n')
    with pytest.raises(StoreError) as caught:
        Store(tmp_path)
    assert caught.value.file == str(tmp_path / LOG)
    assert caught.value.reason.startswith("line 2 is not valid JSON")


def test_a_log_entry_of_the_wrong_shape_is_reported(tmp_path):
    (tmp_path / LOG).write_bytes(b'{"op":"put","t":"a"}\n')
    with pytest.raises(StoreError) as caught:
        Store(tmp_path)
    assert caught.value.reason == "line 1 is not a leadsim log entry"


def test_a_store_that_fails_to_load_leaves_its_directory_unlocked(tmp_path):
    (tmp_path / SNAPSHOT).write_text("[")
    with pytest.raises(StoreError):
        Store(tmp_path)
    (tmp_path / SNAPSHOT).write_text("{}")
    Store(tmp_path).close()


def test_an_empty_batch_appends_nothing(tmp_path):
    s = Store(tmp_path)
    with s.batch():
        s.table("things").get("a")
    assert (tmp_path / LOG).read_text() == ""
    s.close()
