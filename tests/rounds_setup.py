"""A rating round for tests: HR rates two dimensions anonymously (five invited, all answer), the rest of the
quarter is scored directly, and the round is agreed with the assessment submitted."""

from __future__ import annotations

from esm_maturity.assessments import save_assessment
from esm_maturity.models import Quarter, ScoreInput, ScoreValue
from esm_maturity.rounds import commands, results
from esm_maturity.rounds.records import MEDIAN, MEETING, Answer, Decision
from tests.conftest import ADMIN, TODAY

QUARTER = Quarter.of(TODAY).shift(1)    # a quarter the demo has not assessed
SECRET = "SECRET-COMMENT"


def agreed_round(db, department: str = "HR") -> tuple[str, str]:
    """The round agreed: the first dimension aligned (n=5), the second below the threshold (3 valid
    answers, 2 don't know). Returns those two dimensions."""
    dims = [d for (d,) in db.rows("SELECT dimension_id FROM dimensions WHERE active ORDER BY position")]
    a, b = dims[0], dims[1]
    r = commands.create_round(db, ADMIN, department, QUARTER, "anonymous", [a, b])
    issued = commands.invite(db, ADMIN, r.round_id, [f"p{i}@example.org" for i in range(5)])
    commands.open_round(db, ADMIN, r.round_id, expected_version=results.get_round(db, r.round_id).version)
    for i, it in enumerate(issued):
        commands.answer(db, it.token, [Answer(a, 3, comment=SECRET), Answer(b, 4 if i < 3 else None, dont_know=i >= 3)])
    commands.close_round(db, ADMIN, r.round_id, expected_version=results.get_round(db, r.round_id).version)
    save_assessment(db, ADMIN, QUARTER, department, [ScoreInput(d, ScoreValue(2), 3, "typed") for d in dims[2:]],
                    expected_version=0)
    commands.agree(db, ADMIN, r.round_id, [Decision(a, 3, MEDIAN), Decision(b, 4, MEETING)],
                   expected_version=results.get_round(db, r.round_id).version, submit=True)
    return a, b
