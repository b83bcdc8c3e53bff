"""What the database holds, in the contract's columns: which sheets exist, rows to export."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from . import contract as c

Fetch = Callable[[str, Sequence[Any]], list[tuple]]

# One query per sheet: the contract's columns in the contract's order (plus `na` for Scores). A moment is
# written as ISO text to the microsecond (an Excel date-time keeps milliseconds only).
EXPORT_SQL = {
    c.DEPARTMENTS.name: "SELECT department_id, name, sponsor, champion, active FROM departments ORDER BY department_id",
    c.DIMENSIONS.name: "SELECT dimension_id, name, description, position, active FROM dimensions "
                       "ORDER BY position, dimension_id",
    c.LEVELS.name: "SELECT r.dimension_id, r.level, l.name, r.description, l.meaning FROM rubric r "
                   "LEFT JOIN levels l ON l.level = r.level ORDER BY r.dimension_id, r.level",
    c.ASSESSMENTS.name: "SELECT quarter, department_id, status, submitted_by, submitted_on FROM assessments "
                        "ORDER BY quarter, department_id",
    c.SCORES.name: "SELECT quarter, department_id, dimension_id, score, target, evidence, assessed_by, assessed_on, "
                   "method, round_id, n_valid, agreement, rationale, respondent, na FROM scores "
                   "ORDER BY quarter, department_id, dimension_id",
    c.BACKLOG.name: "SELECT item_id, title, description, department_id, dimension_id, status, status_reason, owner, "
                    "value, effort, raised_on, due_on, closed_on, outcome, lessons, raised_by, source, source_ref, "
                    "stream_id, step_id FROM backlog_items ORDER BY item_id",
    c.STATUS_HISTORY.name: "SELECT item_id, status, CAST(changed_at AS TEXT), actor FROM backlog_status_history "
                           "ORDER BY item_id, changed_at, status",
    c.CHECKINS.name: "SELECT checkin_id, held_on, department_id, kind, facilitator, attendees, notes, decisions, "
                     "wins, next_on, blockers, stream_id FROM checkins ORDER BY checkin_id",
    c.ACTIONS.name: "SELECT action_id, checkin_id, text, owner, due_on, status, item_id, closed_on FROM actions "
                    "ORDER BY action_id",
    c.PEOPLE.name: "SELECT p.email, p.name, p.role, string_agg(d.department_id, ', ' ORDER BY d.department_id), "
                   "p.active FROM people p LEFT JOIN person_departments d ON d.email = p.email "
                   "GROUP BY p.email, p.name, p.role, p.active ORDER BY p.email",
    c.VALUE_STREAMS.name: "SELECT stream_id, name, kind, trigger, outcome, consumer, description, owner, champion, "
                          "rollup_rule, active, created_by, created_on FROM value_streams ORDER BY stream_id",
    c.STREAM_STEPS.name: "SELECT step_id, valid_from, valid_to, stream_id, position, name, department_id, "
                         "array_to_string(supporting, ', '), weight, target_days, output FROM stream_steps "
                         "ORDER BY stream_id, valid_from, position, step_id",
    c.STREAM_FLOW.name: "SELECT stream_id, quarter, lead_time_days, process_time_days, handoffs, rework_pct, "
                        "throughput, wip, items, source, confidence, note, recorded_by, CAST(recorded_at AS TEXT) "
                        "FROM stream_flow ORDER BY stream_id, quarter",
    c.HANDOFF_QUALITY.name: "SELECT stream_id, quarter, to_step_id, from_step_id, pct_complete_accurate, wait_days, "
                            "note, recorded_by, CAST(recorded_at AS TEXT) FROM stream_handoffs "
                            "ORDER BY stream_id, quarter, to_step_id",
}


def export_rows(fetch: Fetch, sheet: c.Sheet) -> list[tuple]:
    rows = fetch(EXPORT_SQL[sheet.name], [])
    if sheet is c.SCORES:
        na_word = c.SCORE_CHOICES[-1]
        return [(*r[:3], na_word if r[-1] else r[3], *r[4:-1]) for r in rows]
    return rows


def model_version(fetch: Fetch) -> str:
    rows = fetch("SELECT value FROM model_info WHERE key = 'version'", [])
    return str(rows[0][0]) if rows else ""


def model_about(fetch: Fetch) -> list[tuple[str, str]]:
    """The model's identity for the About sheet (model_id, model_name; model_version is written anyway)."""
    stored = dict(fetch("SELECT key, value FROM model_info", []))
    return [(name, str(stored[key])) for name, key in c.ABOUT_MODEL.items() if key in stored and key != "version"]


def organisation_about(fetch: Fetch) -> list[tuple[str, str]]:
    """The organisation's name for the About sheet, once someone has set it (an unnamed database writes none)."""
    rows = fetch("SELECT value FROM organisation_settings WHERE key = 'name'", [])
    return [(c.ABOUT_ORGANISATION, str(rows[0][0]))] if rows else []
