"""The one place that opens the database, on either engine.

`Database(target)` takes a DuckDB file path (the embedded default) or a `postgresql://` URL, and
serves both through one interface: reads read fully, one write transaction (`transaction`, `write`
with retries), bulk insert, optimistic version checks, the data version the screen's caches key on,
and migrations applied once, under a lock. Only `duck.py` imports duckdb and only `pg.py` imports
psycopg; everything else speaks `Database` and `Tx`.
"""

from .core import MIGRATIONS_DIR, Database, Tx, available_migrations, is_conflict, split_sql

__all__ = ["Database", "Tx", "MIGRATIONS_DIR", "available_migrations", "is_conflict", "split_sql"]
