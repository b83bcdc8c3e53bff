"""The item page never crashes on an audit history: items made every way the app makes them, and
history rows with blank, partial or odd before/after values."""

from __future__ import annotations

import io

import openpyxl

from esm_maturity.backlog import queries as backlog_queries
from esm_maturity.backlog.commands import add_item, get_item, update_item
from esm_maturity.checkins.commands import promote_action, record_checkin
from esm_maturity.checkins.records import ActionInput, CheckinInput
from esm_maturity.db import Database
from esm_maturity.workbook import apply_import, export_bytes, read_upload
from tests.conftest import CHAMPION
from tests.unit import hostile_corpus as corpus


def _items_made_every_way(db: Database) -> dict[str, str]:
    made = {"demo": db.scalar("SELECT min(item_id) FROM backlog_items")}
    made["form"] = add_item(db, CHAMPION, title="Added in the form", department_id="HR")
    made["form, then edited"] = add_item(db, CHAMPION, title="Edited later", department_id="HR")
    update_item(db, CHAMPION, made["form, then edited"], {"owner": "Sam", "description": "now described"}, 1)
    done = record_checkin(db, CHAMPION, CheckinInput(held_on="2026-11-02", department_id="HR"),
                          [ActionInput("Turn into an item", "Ann")])
    made["promoted action"] = promote_action(db, CHAMPION, done.action_ids[0], expected_version=1)
    workbook = corpus.xlsx({"About": corpus.ABOUT_ROWS,
                            "Backlog": [["item_id", "title", "department_id", "status"],
                                        [None, "Imported new", "HR", "idea"]]})
    apply_import(db, CHAMPION, read_upload(db, workbook, "new-items.xlsx"))
    made["import, new"] = db.scalar("SELECT item_id FROM backlog_items WHERE title = 'Imported new'")
    # An import that changes an item: export, edit one title, import.
    book = openpyxl.load_workbook(io.BytesIO(export_bytes(db)))
    sheet = book["Backlog"]
    headers = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[headers.index("item_id")].value == made["demo"]:
            row[headers.index("title")].value = "Retitled by import"
    out = io.BytesIO()
    book.save(out)
    apply_import(db, CHAMPION, read_upload(db, out.getvalue(), "changed.xlsx"))
    made["import, changed"] = made["demo"]
    # History rows that older code or a later field could leave: NULL before and after, a field that
    # did not exist yet, JSON that is not a record, text that is not JSON.
    odd = made["form"]
    with db.transaction(CHAMPION) as tx:
        for before, after in ((None, None), ('{"title": "x"}', '{"title": "x", "new_field": 3}'), ("[1, 2]", '"text"'),
                              ("not json", "{")):
            tx.execute("INSERT INTO audit_log (occurred_at, actor, action, entity, entity_key, before_json, "
                       "after_json) VALUES ($1, 'old', 'edit', 'backlog_item', $2, $3, $4)",
                       [tx.now, odd, before, after])
    return made


def test_item_changes_in_words_for_every_kind_of_history(demo_db):
    made = _items_made_every_way(demo_db)
    for how, item_id in made.items():
        frame = backlog_queries.item_changes(demo_db, item_id)
        assert all(isinstance(text, str) and text for text in frame["change"]), how
    created = backlog_queries.item_changes(demo_db, made["import, new"])
    assert created["change"].tolist() == ["created by importing new-items.xlsx (sheet Backlog)"]
    changed = backlog_queries.item_changes(demo_db, made["import, changed"])["change"].tolist()
    assert any(text.startswith("title: ") and "Retitled by import" in text for text in changed)
    assert all("item_id:" not in text for text in changed)  # only what changed is listed
    edited = backlog_queries.item_changes(demo_db, made["form, then edited"])["change"].tolist()
    assert edited[0] == "description: (blank) → now described; owner: (blank) → Sam"
    assert "new_field: (blank) → 3" in backlog_queries.item_changes(demo_db, made["form"])["change"].tolist()


def test_the_item_page_opens_every_item(demo_app, demo_path):
    with Database(demo_path) as db:
        made = _items_made_every_way(db)
        titles = {item_id: get_item(db, item_id)["title"] for item_id in made.values()}
    for how, item_id in made.items():
        at = demo_app("pages/backlog.py", {"item": item_id, "status": "all"})
        assert not at.exception, (how, at.exception)
        assert at.text_input(key="item_title").value == titles[item_id]
        # Save a change, then open it again: the page shows the new history row.
        at.text_input(key="item_owner").input("Quinn")
        at.button(key="item_save").click().run()
        assert not at.exception and not at.error, (how, [e.value for e in at.error])
        at = demo_app("pages/backlog.py", {"item": item_id, "status": "all"})
        assert not at.exception, (how, at.exception)
        shown = [frame.value for frame in at.dataframe if "change" in frame.value]
        assert shown and any("owner:" in text and "Quinn" in text for text in shown[0]["change"]), how
