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
