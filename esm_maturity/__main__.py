"""Command line: python -m esm_maturity COMMAND [--db PATH] ...

Every command takes --db (a DuckDB file or a postgresql:// URL; default: ESM_DB_URL, then ESM_DB_PATH,
then data/esm.duckdb) and exits
non-zero with a one-line reason on failure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__, config
from .db import Database
from .storage import open_database, open_unloaded
from .models import Actor, EsmError, Quarter


def _open(args: argparse.Namespace) -> Database:
    return open_database(args.db)


def _organisation() -> bool:
    from .access.identity import SignInSettings  # deferred: each command loads only what it needs

    return SignInSettings.from_secrets(config.read_secrets()).organisation


def _actor(args: argparse.Namespace, db: Database) -> Actor:
    """Who a writing command acts as: `--as EMAIL`, checked against the people table; without it, the
    local admin in local mode (no [auth] section in .streamlit/secrets.toml)."""
    from .access.identity import SignInSettings, local_actor  # deferred: each command loads only what it needs
    from .access.people import actor_for  # deferred: as above

    settings = SignInSettings.from_secrets(config.read_secrets())
    if args.as_person:
        return actor_for(db, args.as_person, first_admin=settings.first_admin)
    if settings.organisation:
        raise EsmError("sign-in is configured ([auth] in .streamlit/secrets.toml): say who you are with "
                       "--as EMAIL (a person in the people table)")
    return local_actor(config.local_name())


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo.organisation import load_demo  # deferred: each command loads only what it needs

    anchor = Quarter.parse(args.quarter) if args.quarter else None
    with _open(args) as db:
        counts = load_demo(db, _actor(args, db), anchor)
    print(f"Loaded the demo organisation into {config.shown_target(args.db)}: "
          + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return 0


def cmd_cadence(args: argparse.Namespace) -> int:
    from .checkins.cadence import cadence, report_lines  # deferred: each command loads only what it needs

    with _open(args) as db:
        print("\n".join(report_lines(cadence(db, quiet_days=args.days))))
    return 0


def cmd_backlog(args: argparse.Namespace) -> int:
    from .backlog.queries import Filters, list_items, report_lines  # deferred: each command loads only what it needs

    with _open(args) as db:
        frame = list_items(db, Filters(args.department, None, args.status, sort=args.sort), limit=args.limit)
    print("\n".join(report_lines(frame)))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench.runner import run_all  # deferred: each command loads only what it needs

    return 0 if run_all(args.only) else 1


def cmd_export(args: argparse.Namespace) -> int:
    from .workbook import export_to  # deferred: each command loads only what it needs

    with _open(args) as db:
        # who reads decides the rating rounds' sheets (admins and champions); in organisation mode without
        # --as, the backup has everything but those
        reader = _actor(args, db) if args.as_person or not _organisation() else None
        counts = export_to(db, args.out, reader)
    print(f"Exported to {args.out}: " + ", ".join(f"{n} {sheet}" for sheet, n in counts.items()))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .workbook import import_file  # deferred: each command loads only what it needs
    from .workbook.loader import map_large_blocks  # deferred: as above

    path = Path(args.file)
    if not path.is_file():
        raise EsmError(f"there is no file {path}")
    map_large_blocks()   # this process imports one file and ends: freed buffers go straight back
    with _open(args) as db:
        report = import_file(db, _actor(args, db), path, dry_run=args.dry_run)
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


def cmd_pack(args: argparse.Namespace) -> int:
    from .pack import content, files  # deferred: each command loads only what it needs

    kind = files.kind_of(args.out)   # before the database is opened: a wrong name costs nothing
    departments = [d.strip() for group in args.departments or [] for d in group.split(",") if d.strip()]
    with _open(args) as db:
        quarter, why = content.choose_quarter(db, Quarter.parse(args.quarter) if args.quarter else None)
        data = files.make(db, kind, quarter, content.filters_for(db, quarter, departments), args.hide_names, why)
    Path(args.out).write_bytes(data)
    what = "slide deck" if kind == ".pptx" else "one-page summary"
    print(f"Wrote the {what} for {quarter}" + (f" ({why})" if why else "") + f" to {args.out}"
          + (" with department names hidden" if args.hide_names else ""))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply the migrations the database lacks, for a deploy step before the replicas start; loads
    neither the model nor the demo (the app loads the model on its first start)."""
    from .db import available_migrations  # deferred: each command loads only what it needs

    with open_unloaded(args.db, migrate=False) as db:
        applied = db.migrate()
        version = db.schema_version()
    names = {number: name for number, name, _ in available_migrations()}
    where = config.shown_target(args.db)
    if applied:
        print(f"Migrated {where} to schema version {version}: applied "
              + ", ".join(f"{number:04d}_{names[number]}" for number in applied))
    else:
        print(f"{where} is at schema version {version} already: nothing to apply")
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    from .db.copy import copy_database  # deferred: each command loads only what it needs

    source = config.db_target(args.source)
    if isinstance(source, Path) and not source.is_file():
        raise EsmError(f"there is no file {source}")
    with open_unloaded(args.source) as source_db, open_unloaded(args.target) as target_db:
        report = copy_database(source_db, target_db)
    print("\n".join(report.lines()))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the app. Local mode (no sign-in configured) answers on 127.0.0.1 only; with sign-in
    configured it listens where .streamlit/config.toml or ESM_ADDRESS says (all interfaces when
    ESM_ADDRESS is not set), for a reverse proxy in front."""
    import os  # deferred: only this command starts a server
    import subprocess  # deferred: as above

    from .access.identity import SignInSettings  # deferred: as above

    organisation = SignInSettings.from_secrets(config.read_secrets()).organisation
    command = serve_command(organisation, os.environ.get("ESM_ADDRESS", ""), args.streamlit_args)
    print(("Organisation mode: sign-in required; " if organisation else
           "Local mode: no sign-in, only this computer can open the app; ") + f"listening on {command[6]}")
    return subprocess.call(command, cwd=config.PROJECT_ROOT)


def serve_command(organisation: bool, address: str, extra: list[str]) -> list[str]:
    """`streamlit run app.py` (through esm_maturity.ui.server) on 127.0.0.1 in local mode; on `address`
    (default all interfaces) with sign-in configured. A local-mode server never listens further,
    whatever `extra` asks."""
    where = (address.strip() or "0.0.0.0") if organisation else "127.0.0.1"
    if not organisation:
        extra = [a for i, a in enumerate(extra) if not a.startswith("--server.address")
                 and not (i and extra[i - 1] == "--server.address")]
    # Streamlit's own command line, with the landing page's work done while the first browser loads it
    return [sys.executable, "-m", "esm_maturity.ui.server", "run", str(config.PROJECT_ROOT / "app.py"),
            "--server.address", where, *extra]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m esm_maturity",
                                     description="ESM maturity and continual-improvement tracker.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--db", metavar="PATH|URL", help="a DuckDB file or a postgresql:// URL (default: ESM_DB_URL, "
                                                            "then ESM_DB_PATH, then data/esm.duckdb)")
        sub.set_defaults(handler=handler)
        return sub

    def acting(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--as", dest="as_person", metavar="EMAIL",
                         help="act as this person (checked against the people table; needed when sign-in is "
                              "configured, else the local admin)")
        return sub

    demo = acting(command("demo", cmd_demo, "load the demo organisation into an empty database"))
    backlog = command("backlog", cmd_backlog, "list improvement backlog items, highest suggested priority first")
    backlog.add_argument("--department", help="only this department's items (its key, e.g. HR)")
    backlog.add_argument("--status", default="open", help="open (default), all, done, or one status")
    backlog.add_argument("--sort", default="priority", choices=["priority", "due date", "newest", "key", "status"])
    backlog.add_argument("--limit", type=int, default=20, help="how many items to list (default 20)")
    command("cadence", cmd_cadence, "list departments gone quiet, overdue check-in actions and missing "
            "self-assessments").add_argument("--days", type=int, default=45,
                                             help="a department is quiet after this many days (default 45)")
    demo.add_argument("--quarter", help="last quarter of the demo's history, YYYY-Qn (default: the current one)")
    export = acting(command("export", cmd_export, "write the whole database to an Excel workbook (the contract in "
                                                   "README)"))
    export.add_argument("out", metavar="OUT.xlsx", help="the workbook to write")
    pack = command("pack", cmd_pack, "make the meeting pack of a quarter: a slide deck (OUT.pptx) or a one-page "
                                     "summary (OUT.pdf), by the file's extension")
    pack.add_argument("out", metavar="OUT.pptx|OUT.pdf", help="the file to write; .pptx: the deck, .pdf: the summary")
    pack.add_argument("--quarter", help="YYYY-Qn (default: the current quarter, or the newest with submitted "
                                        "self-assessments when the current has none)")
    pack.add_argument("--departments", action="append", metavar="KEY[,KEY...]",
                      help="only these departments (keys, comma-separated or repeated; default: all)")
    pack.add_argument("--hide-names", action="store_true",
                      help="departments as Department 01, 02... (the benchmark view of the Trends page)")
    imp = acting(command("import", cmd_import, "import an Excel workbook (or a returned self-assessment form); "
                                               "all or nothing, exits 1 on any error"))
    imp.add_argument("file", metavar="FILE", help="the .xlsx file to import")
    imp.add_argument("--dry-run", action="store_true", help="validate and report what would change; write nothing")
    command("migrate", cmd_migrate, "apply the migrations the database lacks and print its schema version (a deploy "
            "step; loads neither the model nor the demo)")
    copy = commands.add_parser("copy", help="copy a whole database into a new one, on either engine, checked table "
                                            "by table",
                               description="Copy every table and sequence of one database into a new, empty one "
                                           "(DuckDB file or PostgreSQL URL, either way), in one transaction, then "
                                           "check each table. Both are migrated first; the target must hold no "
                                           "rows (make it with the migrate command, not by opening the app).")
    copy.add_argument("--from", dest="source", required=True, metavar="PATH|URL", help="the database to copy")
    copy.add_argument("--to", dest="target", required=True, metavar="PATH|URL",
                      help="the new database to copy into (a new file, or an empty PostgreSQL database)")
    copy.set_defaults(handler=cmd_copy)
    serve = commands.add_parser("serve", help="start the app (local mode: on 127.0.0.1 only)",
                                description=cmd_serve.__doc__)
    serve.add_argument("streamlit_args", nargs=argparse.REMAINDER, help="more options for streamlit run")
    serve.set_defaults(handler=cmd_serve)
    bench = commands.add_parser("bench", help="measure performance targets on a generated large organisation",
                                description="Generate a large organisation in a temporary database and measure "
                                            "every performance target; exits 1 if one is missed.")
    bench.add_argument("only", nargs="*", help="run only benchmarks whose name contains one of these words; "
                                               "'pages' runs only what people wait for (pages, bytes, cold "
                                               "start, load, memory)")
    bench.set_defaults(handler=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "serve":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "serve":   # streamlit's own options (--server.port 8502 ...) pass through
        args.streamlit_args = [*extra, *args.streamlit_args]
    try:
        return args.handler(args)
    except EsmError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
