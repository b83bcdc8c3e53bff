"""What the backlog's item forms offer and send: choices and values, without Streamlit."""

import datetime as dt

from esm_maturity.backlog.fields import (FORM_FIELDS, form_fields, form_values, item_choices, next_statuses,
                                         status_choices, with_current)


def stored(**fields):
    item = {name: "" for name in FORM_FIELDS}
    item.update(title="Shared intake form", status="idea", department_id="HR", dimension_id=None, value=None,
                effort=None, due_on=None, source="staff idea")
    item.update(fields)
    return item


def test_unset_choices_show_blank_and_go_back_as_no_value():
    values = form_values(stored())
    assert list(values) == list(FORM_FIELDS)
    assert (values["dimension_id"], values["value"], values["effort"], values["due_on"]) == ("", "", "", None)
    fields = form_fields(values)
    assert (fields["dimension_id"], fields["value"], fields["effort"]) == (None, None, None)
    assert fields["title"] == "Shared intake form" and fields["owner"] == "" and fields["due_on"] is None


def test_set_choices_go_through_unchanged():
    item = stored(dimension_id="knowledge", value=4, effort="S", due_on=dt.date(2027, 1, 31), owner="Ann")
    assert form_fields(form_values(item)) == {name: item[name] for name in FORM_FIELDS}


def test_status_choices_start_where_the_item_is():
    assert status_choices("idea") == ["idea", *next_statuses("idea")]
    assert status_choices("closed") == ["closed"]


def test_a_current_value_no_longer_offered_stays_a_choice():
    assert with_current(["HR", "IT"], "OLD") == ["HR", "IT", "OLD"]
    assert with_current(["HR", "IT"], "IT") == ["HR", "IT"]
    assert with_current(["", "roles"], None) == ["", "roles"]


def test_a_linked_item_off_screen_is_offered_second():
    assert item_choices(["CI-0002", "CI-0001"], None) == ["", "CI-0002", "CI-0001"]
    assert item_choices(["CI-0002", "CI-0001"], "CI-0001") == ["", "CI-0002", "CI-0001"]
    assert item_choices(["CI-0002"], "CI-0040") == ["", "CI-0040", "CI-0002"]
    assert item_choices([], "") == [""]
