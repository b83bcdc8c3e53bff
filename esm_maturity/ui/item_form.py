"""The state behind the backlog's two item forms (the page draws their widgets, keyed as below).

The add form can be opened from a maturity gap on the assessment page: the link
(?new=1&department=HR&dimension=roles&title=...&source=assessment&source_ref=2026-Q3/HR/roles) fills it
once; a successful add drops those parameters and opens the new item (?item=CI-0061). The edit form is a
versioned form (ui.forms): filled from the item once, saved with the version the person saw.
"""

from __future__ import annotations

from typing import Callable

import streamlit as st

from ..backlog.fields import EFFORTS, form_fields, form_values, FORM_FIELDS, SOURCES
from . import forms
from .text import esc

SCOPE = "item"  # the edit form's scope in ui.forms
STATUS_HELP = ("Accepting needs an owner and a dimension; on hold and withdrawn need a reason; closing needs the "
               "outcome and lessons learned.")
_LINK_MARKER, _GAP_LINK = "bl_new_loaded", ("department", "dimension", "title", "source_ref")
_SHORT = {"department_id": "department", "dimension_id": "dimension", "due_on": "due"}


def _keys(prefix: str, names: tuple[str, ...]) -> dict[str, str]:
    """Each field's widget key: item_title, item_department, new_due..."""
    return {name: prefix + _SHORT.get(name, name) for name in names}


EDIT_KEYS = _keys("item_", FORM_FIELDS)
NEW_KEYS = _keys("new_", ("title", "description", "department_id", "dimension_id", "source", "value", "effort",
                          "owner", "due_on"))
_CLEARED = ("new_title", "new_description", "new_value", "new_effort", "new_owner", "new_due")  # after an add


def from_gap() -> bool:
    """Was the page opened to add an improvement for a maturity gap (?new=1)?"""
    return st.query_params.get("new") == "1"


def prefill_new(departments: dict[str, str], dims: dict[str, str], department_id: str | None) -> None:
    """Before the add form: fill it from a gap's link (once per link); else start in the filtered department."""
    params = st.query_params
    marker = tuple(params.get(name) for name in _GAP_LINK)
    if from_gap() and st.session_state.get(_LINK_MARKER) != marker:
        st.session_state["new_department"] = params.get("department") if params.get("department") in departments \
            else next(iter(departments))
        st.session_state["new_dimension"] = params.get("dimension") if params.get("dimension") in dims else ""
        st.session_state["new_title"] = params.get("title", "")
        st.session_state["new_source"] = params.get("source") if params.get("source") in SOURCES else "staff idea"
        st.session_state[_LINK_MARKER] = marker
    st.session_state.setdefault("new_department", department_id or next(iter(departments)))
    st.session_state.setdefault("new_source", "staff idea")


def new_fields() -> dict:
    """The add form's values as the new item's fields (with the gap it came from, if any)."""
    fields = form_fields({name: st.session_state[key] for name, key in NEW_KEYS.items()})
    fields["source_ref"] = st.query_params.get("source_ref") if from_gap() else None
    return fields


def add(work: Callable[[], str]) -> None:
    """The add form's button: run `work` (the add command, returning the new key) as a form save; on
    success empty the form, open the new item and rerun with the news; on an error show it."""
    forms.save("new_item", lambda: _opened(work()), lambda item_id: f"Added {item_id}.")


def _opened(item_id: str) -> str:
    """After an add: the form is empty again and the link opens the new item instead of the gap."""
    for key in _CLEARED:
        st.session_state.pop(key, None)
    for name in ("new", "title", "source", "source_ref"):
        st.query_params.pop(name, None)
    st.query_params["item"] = item_id
    return item_id


def load(item_id: str, item: dict) -> int:
    """Before the edit form: fill it from the item the first time it is shown; the version seen then."""
    return forms.load_record(SCOPE, item_id, item["version"],
                             {EDIT_KEYS[name]: value for name, value in form_values(item).items()})


def changes() -> dict:
    """The edit form's values as the item's changed fields."""
    return form_fields({name: st.session_state[key] for name, key in EDIT_KEYS.items()})


def headline(item_id: str, item: dict) -> str:
    """The edit form's first line: key, who raised it and when, and when it closed."""
    return (f"**{esc(item_id)}** · raised on {item['raised_on']} by {esc(item['raised_by'] or 'unknown')}"
            + (f" · closed on {item['closed_on']}" if item["closed_on"] else ""))


def value_and_effort(where: list, prefix: str) -> None:
    """The value and effort choices (blank: not rated, not sized) in the first two of `where`."""
    where[0].selectbox("Value", ["", 1, 2, 3, 4, 5], key=f"{prefix}value",
                       format_func=lambda v: str(v) if v else "not rated")
    where[1].selectbox("Effort", [""] + list(EFFORTS), key=f"{prefix}effort",
                       format_func=lambda v: v if v else "not sized")
