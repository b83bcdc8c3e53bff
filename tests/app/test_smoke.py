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


@pytest.mark.parametrize("page", PAGE_PATHS)
def test_page_runs_on_any_day(any_day, page, monkeypatch):
    """Every page on a quarter's first and last day, 31 December, 29 February and today, over a demo
    organisation built around that day."""
    from tests.app.conftest import open_app

    path = any_day.demo_path()
    monkeypatch.setenv("ESM_DB_PATH", str(path))
    at = open_app(path, page)
    assert not at.exception, at.exception
    assert at.title
