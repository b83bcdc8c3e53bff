"""How the trend figures are computed, in words: the Trends page's captions and the meeting pack's
slide notes say the same thing, so the wording lives here once.

Plain text (no Markdown): the page passes it through as a caption, the pack writes it into notes.
"""

from __future__ import annotations

METHOD = ("Submitted self-assessments only: a draft counts once it is submitted. Overall level = mean of the "
          "dimensions scored that quarter (N/A and not assessed leave the average). Missing quarters are gaps.")

HEATMAP = ("Departments x dimensions for the quarter, coloured by level (1-5); N/A has its own colour, and not "
           "assessed (?) and not submitted (–) are white cells with their mark. Active departments only.")

ORGANISATION_GAPS = ("Organisation: mean gap per dimension. Gap = target - level for each department that scored "
                     "the dimension this quarter, averaged over those departments; a longer bar is further from "
                     "target. A department above its target counts as a negative gap.")

MOVERS = "Change in a department's mean level over the dimensions it scored in both quarters."

FLOW = ("Improvements opened and closed per quarter: raised by their raised date, closed by their closed date "
        "(status closed only; rejected and withdrawn do not count). Work in progress: open improvements by their "
        "status today, in workflow order.")

NOT_SUBMITTED = ("Active departments whose self-assessment for the quarter is not submitted: a draft, or not "
                 "started.")


def quiet(days: int) -> str:
    return (f"Active departments with no check-in in the last {days} days (or none at all), longest first; "
            "counted from today.")


HEADLINE = ("Departments submitted: active departments (within the filters) with a submitted self-assessment for "
            "the quarter. Organisation level: the mean of the departments' overall levels, each the mean of the "
            "dimensions it scored; the change compares it with the previous quarter's. Largest gap: the dimension "
            "with the largest mean gap to target (target - level) across the departments that scored it, and the "
            "department furthest below target there. Improvements: closed during the quarter (by closed date), "
            "and open today.")
