"""Keys of new check-ins and actions (CHK-0001, ACT-0001), from their sequences."""

from __future__ import annotations

from ..db import Tx

_KEYS = {"checkin": ("checkin_seq", "CHK", "checkins", "checkin_id"),
         "action": ("action_seq", "ACT", "actions", "action_id")}


def allocate_keys(tx: Tx, kind: str, count: int) -> list[str]:
    """`count` new keys (CHK-0001 / ACT-0001) from the sequence, skipping keys created elsewhere
    (an imported workbook may bring its own); the sequence is moved past the highest such key."""
    sequence, prefix, table, column = _KEYS[kind]
    if count <= 0:
        return []
    numbers = [r[0] for r in tx.execute(f"SELECT nextval('{sequence}') FROM generate_series(1, $1)", [count])]
    keys = [f"{prefix}-{n:04d}" for n in numbers]
    taken = {r[0] for r in tx.execute(f"SELECT {column} FROM {table} WHERE {column} = ANY($1)", [keys])}
    if not taken:
        return keys
    highest = max((int(k[len(prefix) + 1:]) for (k,) in tx.execute(
        f"SELECT {column} FROM {table} WHERE {column} LIKE $1", [prefix + "-%"]) if k[len(prefix) + 1:].isdigit()),
        default=0)
    if highest > max(numbers):
        tx.execute(f"SELECT max(nextval('{sequence}')) FROM generate_series(1, $1)", [highest - max(numbers)])
    return allocate_keys(tx, kind, count)
