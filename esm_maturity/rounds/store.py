"""Reading a round inside a transaction, and who may run it: what the rounds' commands share."""

from __future__ import annotations

from ..access.policy import Permission, require
from ..db import Database, Tx
from ..models import Actor, ConflictError, NotFound
from .records import ROUND_COLUMNS, Round



def round_in(tx: Tx, round_id: str) -> Round:
    row = tx.one(f"SELECT {ROUND_COLUMNS} FROM rating_rounds WHERE round_id = $1", [round_id])
    if row is None:
        raise NotFound(f"there is no rating round {round_id!r}")
    return Round.of(row)


def round_as_seen(tx: Tx, round_id: str, expected_version: int) -> Round:
    found = round_in(tx, round_id)
    if found.version != expected_version:
        raise ConflictError(f"someone else changed rating round {round_id} while you were looking at it; "
                            "reload to see it")
    return found


def answers_in(tx: Tx, round_id: str) -> int:
    return int(tx.one("SELECT count(*) FROM round_responses WHERE round_id = $1", [round_id])[0])


def next_version(tx: Tx, found: Round, values: dict) -> int:
    return tx.update_versioned("rating_rounds", {"round_id": found.round_id}, found.version, values,
                               f"someone else changed rating round {found.round_id} at the same moment; reload")


def managed_round(db: Database, actor: Actor, round_id: str, doing: str) -> Round:
    """The round, once `actor` may run rounds for its department (the refusal is audited)."""
    row = db.one(f"SELECT {ROUND_COLUMNS} FROM rating_rounds WHERE round_id = $1", [round_id])
    if row is None:
        raise NotFound(f"there is no rating round {round_id!r}")
    found = Round.of(row)
    require(db, actor, Permission.rounds, found.department_id, entity="rating round", key=round_id)
    return found
