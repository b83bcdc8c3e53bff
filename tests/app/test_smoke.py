"""Every registered page runs without an exception on an empty and on a demo database."""

import pytest

from esm_maturity.ui.registry import PAGES

PAGE_PATHS = [p.path for p in PAGES]


@pytest.mark.parametrize("page", PAGE_PATHS)
def test_page_runs_on_empty_database(empty_app, page):
    at = empty_app(page)
    assert not at.exception, at.exception
    assert at.title, f"{page} shows no title"


@pytest.mark.parametrize("page", PAGE_PATHS)
def test_page_runs_on_demo_database(demo_app, page):
    at = demo_app(page)
    assert not at.exception, at.exception
    assert at.title


def test_tables_show_a_dash_not_the_word_none_in_empty_cells(demo_app):
    seen = {}
    for page in PAGE_PATHS:
        at = demo_app(page)
        tables = at.dataframe
        seen[page] = len(tables)
        for table in tables:
            assert table.proto.placeholder == "–", f"{page}: a table shows Streamlit's 'None' in empty cells"
    assert sum(seen.values()) >= 6 and seen["pages/backlog.py"] >= 1, seen   # the grid is one of them
