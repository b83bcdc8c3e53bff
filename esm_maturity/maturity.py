"""The maturity model: levels, dimensions and their rubric; loading and editing it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .access.policy import Permission, require
from .config import DEFAULT_MODEL_PATH
from .db import Database, Tx
from .limits import LIMITS
from .models import (LEVELS, Actor, NotFound, ValidationError, check_dimension_id, clean_text, required_text,
                     still_as_seen)


@dataclass(frozen=True)
class Dimension:
    dimension_id: str
    name: str
    description: str
    position: int
    active: bool
    version: int
    rubric: dict[int, str]


def read_model_file(path: Path = DEFAULT_MODEL_PATH) -> dict:
    """Parse and check a model TOML file (the shape of data/default_model.toml)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ValidationError(f"the model file {path} is not valid TOML: {err}") from None
    levels = {int(row["level"]): row for row in data.get("levels", [])}
    if sorted(levels) != list(LEVELS):
        raise ValidationError(f"the model file {path} must define levels 1 to 5 exactly once")
    seen = set()
    for dim in data.get("dimensions", []):
        check_dimension_id(dim.get("id"))
        if dim["id"] in seen:
            raise ValidationError(f"dimension {dim['id']!r} appears twice in {path}")
        seen.add(dim["id"])
        if len(dim.get("rubric", [])) != 5:
            raise ValidationError(f"dimension {dim['id']!r} needs exactly five rubric lines")
    return data


def model_loaded(db: Database) -> bool:
    return bool(db.scalar("SELECT count(*) FROM levels"))


def load_default_model(db: Database, actor: Actor, path: Path = DEFAULT_MODEL_PATH) -> bool:
    """Load the shipped model into an empty database. Returns False if a model is already there."""
    data = read_model_file(path)

    def work(tx: Tx) -> bool:
        if tx.one("SELECT count(*) FROM levels")[0]:
            return False
        install_model(tx, data)
        tx.audit("load model", "model", data["model"]["id"], after={"version": data["model"]["version"]})
        return True

    return db.write(actor, work)


def install_model(tx: Tx, data: dict) -> None:
    """Write a parsed model file inside an open transaction."""
    info = data.get("model", {})
    tx.executemany("INSERT INTO model_info (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   [(k, str(v)) for k, v in info.items()])
    tx.executemany("INSERT INTO levels (level, name, meaning) VALUES ($1, $2, $3)",
                   [(int(r["level"]), r["name"], r.get("meaning", "")) for r in data["levels"]])
    for position, dim in enumerate(data.get("dimensions", []), start=1):
        tx.execute("INSERT INTO dimensions (dimension_id, name, description, position, active) VALUES ($1, $2, $3, $4, $5)",
                   [dim["id"], dim["name"], dim.get("description", ""), position, bool(dim.get("active", True))])
        tx.executemany("INSERT INTO rubric (dimension_id, level, description) VALUES ($1, $2, $3)",
                       [(dim["id"], level, text) for level, text in zip(LEVELS, dim["rubric"])])


def model_version(db: Database) -> str:
    return db.scalar("SELECT value FROM model_info WHERE key = 'version'") or ""


def level_names(db: Database) -> dict[int, str]:
    return {level: name for level, name in db.rows("SELECT level, name FROM levels ORDER BY level")}


def levels_frame(db: Database):
    return db.frame("SELECT level, name, meaning, version FROM levels ORDER BY level")


def dimensions(db: Database, *, include_retired: bool = False) -> list[Dimension]:
    rows = db.rows(
        "SELECT d.dimension_id, d.name, d.description, d.position, d.active, d.version, r.level, r.description "
        "FROM dimensions d LEFT JOIN rubric r ON r.dimension_id = d.dimension_id "
        "WHERE d.active OR $1 ORDER BY d.position, d.dimension_id, r.level", [include_retired])
    out: dict[str, Dimension] = {}
    for dim_id, name, desc, pos, active, version, level, text in rows:
        if dim_id not in out:
            out[dim_id] = Dimension(dim_id, name, desc, pos, active, version, {})
        if level is not None:
            out[dim_id].rubric[level] = text
    return list(out.values())


def get_dimension(db: Database, dimension_id: str) -> Dimension:
    for dim in dimensions(db, include_retired=True):
        if dim.dimension_id == dimension_id:
            return dim
    raise NotFound(f"no dimension {dimension_id!r}")


def _dimension_state(tx: Tx, dimension_id: str) -> dict | None:
    row = tx.one("SELECT name, description, position, active, version FROM dimensions WHERE dimension_id = $1",
                 [dimension_id])
    if row is None:
        return None
    rubric = {lvl: text for lvl, text in tx.execute(
        "SELECT level, description FROM rubric WHERE dimension_id = $1 ORDER BY level", [dimension_id])}
    return {"name": row[0], "description": row[1], "position": row[2], "active": row[3], "version": row[4],
            "rubric": rubric}


def _clean_rubric(rubric: dict[int, str]) -> dict[int, str]:
    problems = []
    out = {}
    for level in LEVELS:
        try:
            out[level] = required_text(rubric.get(level), f"level {level}", LIMITS["rubric"]["description"])
        except ValidationError as err:
            problems += err.problems
    if problems:
        raise ValidationError("every level needs a rubric line", "rubric", problems)
    return out


def add_dimension(db: Database, actor: Actor, dimension_id: str, name: str, description: str,
                  rubric: dict[int, str]) -> None:
    require(db, actor, Permission.model, entity="dimension", key=str(dimension_id))
    dimension_id = check_dimension_id(dimension_id)
    name = required_text(name, "name", LIMITS["dimension"]["name"])
    description = clean_text(description, "description", LIMITS["dimension"]["description"])
    rubric = _clean_rubric(rubric)

    def work(tx: Tx) -> None:
        if tx.one("SELECT 1 FROM dimensions WHERE dimension_id = $1", [dimension_id]):
            raise ValidationError(f"a dimension with key {dimension_id!r} already exists", "dimension_id")
        position = tx.one("SELECT coalesce(max(position), 0) + 1 FROM dimensions")[0]
        tx.execute("INSERT INTO dimensions (dimension_id, name, description, position, active) VALUES ($1, $2, $3, $4, TRUE)",
                   [dimension_id, name, description, position])
        tx.executemany("INSERT INTO rubric (dimension_id, level, description) VALUES ($1, $2, $3)",
                       [(dimension_id, lvl, text) for lvl, text in rubric.items()])
        tx.audit("add", "dimension", dimension_id, after=_dimension_state(tx, dimension_id))

    db.write(actor, work)


def update_dimension(db: Database, actor: Actor, dimension_id: str, *, name: str, description: str,
                     rubric: dict[int, str], expected_version: int) -> None:
    require(db, actor, Permission.model, entity="dimension", key=str(dimension_id))
    name = required_text(name, "name", LIMITS["dimension"]["name"])
    description = clean_text(description, "description", LIMITS["dimension"]["description"])
    rubric = _clean_rubric(rubric)

    def work(tx: Tx) -> None:
        before, conflict = still_as_seen(
            _dimension_state(tx, dimension_id), expected_version, f"no dimension {dimension_id!r}",
            lambda d: f"someone else changed the dimension {d['name']!r} while you were editing; your changes "
                      "are still in the form: reload to see their version")
        tx.update_versioned("dimensions", {"dimension_id": dimension_id}, expected_version,
                            {"name": name, "description": description}, conflict)
        for lvl, text in rubric.items():
            tx.execute("UPDATE rubric SET description = $1 WHERE dimension_id = $2 AND level = $3",
                       [text, dimension_id, lvl])
        tx.audit("edit", "dimension", dimension_id, before=before, after=_dimension_state(tx, dimension_id))

    db.write(actor, work)


def set_dimension_active(db: Database, actor: Actor, dimension_id: str, active: bool,
                         expected_version: int | None = None) -> None:
    """Retire (active=False) or restore a dimension. Its history stays. With `expected_version` (the
    version the person saw) a dimension someone else changed meanwhile is refused."""
    require(db, actor, Permission.model, entity="dimension", key=str(dimension_id))

    def work(tx: Tx) -> None:
        before = _dimension_state(tx, dimension_id)
        if before is None:
            raise NotFound(f"no dimension {dimension_id!r}")
        if not active and before["active"]:
            left = tx.one("SELECT count(*) FROM dimensions WHERE active AND dimension_id <> $1", [dimension_id])[0]
            if left == 0:
                raise ValidationError("the model needs at least one active dimension", "active")
        tx.update_versioned("dimensions", {"dimension_id": dimension_id},
                            before["version"] if expected_version is None else expected_version, {"active": active},
                            f"someone else changed the dimension {before['name']!r} meanwhile; reload to see it")
        tx.audit("restore" if active else "retire", "dimension", dimension_id,
                 before={"active": before["active"]}, after={"active": active})

    db.write(actor, work)


def _clean_level(level: int, name: str, meaning: str) -> tuple[str, str]:
    if level not in LEVELS:
        raise ValidationError(f"{level} is not a level", "level")
    return (required_text(name, "name", LIMITS["level"]["name"]),
            clean_text(meaning, "meaning", LIMITS["level"]["meaning"]))


def _rename_level_in(tx: Tx, level: int, name: str, meaning: str, expected_version: int) -> int:
    before = tx.one("SELECT name, meaning FROM levels WHERE level = $1", [level])
    version = tx.update_versioned(
        "levels", {"level": level}, expected_version, {"name": name, "meaning": meaning},
        f"someone else renamed level {level} while you were editing; your changes are still in the form: "
        "reload to see theirs")
    tx.audit("edit", "level", str(level), before={"name": before[0], "meaning": before[1]},
             after={"name": name, "meaning": meaning})
    return version


def rename_level(db: Database, actor: Actor, level: int, name: str, meaning: str, *, expected_version: int) -> int:
    """Rename a level (and its meaning) if nobody saved it since `expected_version`; returns the new version."""
    require(db, actor, Permission.model, entity="level", key=str(level))
    name, meaning = _clean_level(level, name, meaning)
    return db.write(actor, lambda tx: _rename_level_in(tx, level, name, meaning, expected_version))


def rename_levels(db: Database, actor: Actor, edits: dict[int, tuple[str, str]],
                  seen: dict[int, tuple[str, str, int]]) -> list[int]:
    """Save the level-names form in one transaction: each level the person changed, with the version they
    saw (`seen`: level -> (name, meaning, version) as shown). Returns the levels saved."""
    require(db, actor, Permission.model, entity="level", key=", ".join(str(level) for level in edits))
    changed = {level: _clean_level(level, *edits[level]) for level in edits
               if tuple(edits[level]) != tuple(seen[level][:2])}

    def work(tx: Tx) -> list[int]:
        for level, (name, meaning) in changed.items():
            _rename_level_in(tx, level, name, meaning, seen[level][2])
        return sorted(changed)

    return db.write(actor, work) if changed else []
