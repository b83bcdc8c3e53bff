"""A large organisation's cadence lists stay light: the first LIST_ROWS rows are drawn, the count is
said, and every row is in the CSV download; the counts above them stay whole."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from esm_maturity.ui.cadence_view import LIST_ROWS

OVERDUE = 130


def _page():
    import datetime as dt

    import pandas as pd

    from esm_maturity.checkins.cadence import Cadence
    from esm_maturity.models import Quarter
    from esm_maturity.ui import cadence_view

    day = dt.date(2026, 11, 30)
    overdue = pd.DataFrame({"action_id": [f"ACT-{i}" for i in range(130)], "text": [f"do {i}" for i in range(130)],
                            "owner": "Ann", "department": "Finance", "due_on": day - dt.timedelta(days=3),
                            "days_overdue": 3, "checkin_id": "CI-1", "item_id": None})
    quiet = pd.DataFrame({"department_id": ["FIN"], "department": ["Finance"], "champion": ["Ann"],
                          "last_checkin": [None], "days_since": [None], "next_planned": [None]})
    none = pd.DataFrame({"department_id": [], "department": [], "champion": [], "status": []})
    view = Cadence(day, 45, Quarter.of(day), quiet, overdue, none)
    cadence_view.counts(view)
    cadence_view.lists(view)
    cadence_view.summary(view)


def test_long_lists_draw_their_first_rows_and_offer_all_as_csv():
    at = AppTest.from_function(_page).run()
    assert not at.exception
    assert [m.value for m in at.metric][:2] == ["1", str(OVERDUE)]          # the counts count every row
    lengths = sorted(len(df.value) for df in at.dataframe)
    assert max(lengths) == LIST_ROWS and OVERDUE > LIST_ROWS
    assert any(f"The first {LIST_ROWS} of {OVERDUE} overdue actions." == c.value for c in at.caption)
    assert any(f"The {LIST_ROWS} most overdue of {OVERDUE} open actions" in c.value for c in at.caption)
    button = next(b for b in at.get("download_button") if b.proto.id and "overdue" in b.proto.id)
    assert button.proto.label == f"All {OVERDUE} as CSV"
    assert "Every active department has submitted" in " ".join(s.value for s in at.success)
