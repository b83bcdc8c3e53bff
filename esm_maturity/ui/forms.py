"""Edit forms that never lose an update.

A form that edits a stored record fills its widgets from the record **once**, when the record is
first shown, and remembers the version the person saw then. Later reruns (a click, someone else's
save) leave both alone: the save sends the version the person saw, so a colleague's newer save
is refused (ConflictError) instead of overwritten, and the person's typing stays on screen.

    seen = load_record("dept", chosen, dept.version, {"dept_edit_name": dept.name, ...})
    ... widgets with key= only (no value=) ...
    update_department(..., expected_version=seen)   # then forget("dept") after a successful save

Buttons that act on a record (mark an action done) pass the version they were drawn with as
callback arguments (`on_click=..., args=(id, version)`), which Streamlit keeps from the run that drew
them; `run_action` leaves the outcome for the page's flash message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import streamlit as st

from ..models import ConflictError, EsmError
from .context import flash, show_error

_LOADED = "_form_loaded_{}"
_CONFLICT = "_form_conflict_{}"


# Any date a person can type in the picker reaches the app, which then says whether it is in range
# (models.check_day). Streamlit's default bounds (ten years either side) drop other typed dates silently.
_TYPEABLE = (dt.date(1000, 1, 1), dt.date(9999, 12, 31))


def date_field(where: Any, label: str, key: str, **kwargs: Any):
    """A date input that passes every typed date on (YYYY-MM-DD), so none is dropped without a word."""
    return where.date_input(label, key=key, min_value=_TYPEABLE[0], max_value=_TYPEABLE[1], format="YYYY-MM-DD",
                            **kwargs)


def load_record(scope: str, record_id: Any, version: int, values: dict[str, Any]) -> int:
    """Fill the form's widget keys from the record the first time `record_id` is shown in `scope`;
    return the version seen then (unchanged on later reruns until `forget`)."""
    marker = _LOADED.format(scope)
    loaded = st.session_state.get(marker)
    if loaded is None or loaded[0] != record_id:
        for key, value in values.items():
            st.session_state[key] = value
        st.session_state[marker] = (record_id, version)
        st.session_state.pop(_CONFLICT.format(scope), None)
    return st.session_state[marker][1]


def as_seen(scope: str, context: Any, load: Callable[[], Any]) -> Any:
    """What a form was drawn from (such as the open actions a check-in decides on), loaded when
    `context` is first shown and kept until it changes or `forget(scope)`: a row someone else closed
    meanwhile stays on screen with the person's choice, and its save is refused, not skipped."""
    marker = _LOADED.format(scope)
    loaded = st.session_state.get(marker)
    if loaded is None or loaded[0] != context:
        st.session_state[marker] = (context, load())
        st.session_state.pop(_CONFLICT.format(scope), None)
    return st.session_state[marker][1]


def mark_conflict(scope: str) -> None:
    """The form's save was refused because someone else saved first: offer_reload shows its button."""
    st.session_state[_CONFLICT.format(scope)] = True


def forget(scope: str) -> None:
    """After a save (or a reload): the next run fills the form from the stored record again."""
    st.session_state.pop(_LOADED.format(scope), None)
    st.session_state.pop(_CONFLICT.format(scope), None)


def in_conflict(scope: str) -> bool:
    """Was the last save of this form refused because someone else saved first?"""
    return bool(st.session_state.get(_CONFLICT.format(scope)))


def save(scope: str, work: Callable[[], Any], done: str | Callable[[Any], str]) -> Any:
    """Run a form's save: on success forget the form and rerun with `done` as the flash message (or
    the message `done` makes from what `work` returned); on a conflict show it and offer to load the
    latest (the person's edits stay); on another error show it."""
    try:
        result = work()
    except ConflictError as err:
        mark_conflict(scope)
        show_error(err)
        return None
    except EsmError as err:
        show_error(err)
        return None
    forget(scope)
    flash(done(result) if callable(done) else done)
    return result


def offer_reload(scope: str, where: Any = st, label: str = "Discard my changes and load the latest",
                 key: str | None = None) -> None:
    """After a refused save: one button (key `reload_<scope>` unless given) that drops the person's
    edits and loads the latest record."""
    if in_conflict(scope):
        if where.button(label, key=key or f"reload_{scope}"):
            forget(scope)
            st.rerun()


def run_action(work: Callable[[], Any], done: str | Callable[[Any], str]) -> None:
    """A button's callback: run `work` and leave its outcome for the page's `show_flash` at the top
    (callbacks run before the page is drawn, so they cannot show anything themselves). `done` is the
    success message, or makes it from what `work` returned; an error is shown as it was raised."""
    try:
        result = work()
    except EsmError as err:
        st.session_state["flash_error"] = err
        return
    st.session_state["flash"] = done(result) if callable(done) else done


__all__ = ["date_field", "load_record", "as_seen", "mark_conflict", "forget", "save", "offer_reload", "in_conflict", "run_action"]
