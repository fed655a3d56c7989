"""The contract's tables (SPEC §4) as data, and what an existing database does not honour of
them: the conflicts that stop `migrate` from adopting it (SPEC §4.1).

Accepted differences: integer or bigint ids, `timestamp` for `match.start_time` (read as UTC),
varchar for text, extra columns, tables, indexes and triggers. Everything else the contract
fixes and the database lacks or contradicts is a conflict, counted in rows where rows are
concerned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from psycopg import sql

from database.pool import DictConnection, one_row

# The types each kind of contract column may have in the app's database.
ACCEPTED_TYPES = {
    "id": ("bigint", "integer"),
    "integer": ("integer", "bigint", "smallint"),
    "text": ("text", "character varying"),
    "timestamp": ("timestamp with time zone", "timestamp without time zone"),
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    not_null: bool = True
    allowed: tuple[str, ...] = ()  # the values a check of the contract admits
    non_negative: bool = False
    needs_default: bool = False  # the pipeline inserts rows without it (ids, statuses)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    unique: tuple[tuple[str, ...], ...]  # keys the pipeline's upserts and joins rely on


def _score(name: str) -> Column:
    return Column(name, "integer", not_null=False, non_negative=True)


def _id(name: str = "id") -> Column:
    return Column(name, "id", needs_default=name == "id")


CONTRACT = (
    Table(
        "tournament",
        (
            _id(),
            Column("name", "text"),
            Column("sofascore_unique_tournament_id", "integer"),
            Column("sofascore_season_id", "integer"),
            Column("scoring_result", "text", allowed=("regular_time", "after_extra_time"), needs_default=True),
        ),
        unique=(("id",), ("sofascore_unique_tournament_id", "sofascore_season_id")),
    ),
    Table(
        "match",
        (
            _id(),
            _id("tournament_id"),
            _id("sofascore_event_id"),
            Column("round_number", "integer"),
            Column("round_slug", "text", not_null=False),
            Column("round_prefix", "text", not_null=False),
            Column("home_team", "text"),
            Column("away_team", "text"),
            Column("start_time", "timestamp"),
            Column("status", "text", allowed=("open", "ended", "postponed", "canceled"), needs_default=True),
            _score("home_score"),
            _score("away_score"),
            _score("home_score_regular"),
            _score("away_score_regular"),
            _score("home_penalties"),
            _score("away_penalties"),
        ),
        unique=(("id",), ("sofascore_event_id",)),
    ),
    Table(
        "league",
        (
            _id(),
            Column("name", "text"),
            Column("points_exact", "integer", needs_default=True),
            Column("points_goal_difference", "integer", needs_default=True),
            Column("points_outcome", "integer", needs_default=True),
        ),
        unique=(("id",),),
    ),
    Table(
        "league_tournament",
        (_id(), _id("league_id"), _id("tournament_id")),
        unique=(("id",), ("league_id", "tournament_id")),
    ),
    Table("app_user", (_id(), Column("name", "text")), unique=(("id",),)),
    Table("league_participant", (_id("league_id"), _id("user_id")), unique=(("league_id", "user_id"),)),
    Table(
        "prediction",
        (
            _id("user_id"),
            _id("match_id"),
            Column("home_score", "integer", non_negative=True),
            Column("away_score", "integer", non_negative=True),
        ),
        unique=(("user_id", "match_id"),),
    ),
    Table(
        "participant_score",
        (
            _id("league_tournament_id"),
            _id("user_id"),
            Column("points", "integer"),
            Column("exact_count", "integer"),
            Column("goal_difference_count", "integer"),
            Column("outcome_count", "integer"),
            Column("rank", "integer"),
        ),
        unique=(("league_tournament_id", "user_id"),),
    ),
)

# The pipeline's own columns on the contract's tables: absent before adoption (sql/adopt/1_columns.sql).
PIPELINE_COLUMNS = {
    "match": ("last_checked_at", "settle_check_at"),
    "league_tournament": (
        "participants_scores_status",
        "participants_scores_updated_at",
        "marked_outdata_at",
        "sync_claimed_at",
        "sync_run_id",
        "rounds_dirty_from",
    ),
    "participant_score": ("position",),
}
# The pipeline's own tables: absent before adoption (sql/adopt/2_tables.sql).
PIPELINE_TABLES = (
    "tick_run",
    "queue_job",
    "round_fence",
    "stuck_alert",
    "prediction_tally",
    "league_standing",
    "league_page",
    "tournament_round",
    "round_tally",
    "round_standing",
    "league_round",
)


INDEX_BUILD = re.compile(r"^(create index concurrently if not exists (\w+) .*);$", flags=re.MULTILINE)


@dataclass(frozen=True)
class PipelineObjects:
    """What the pipeline adds to the app's database besides its tables and columns."""

    indexes: list[str]  # on the contract's tables (sql/adopt/3_indexes.sql)
    routines: list[str]  # functions and procedures of sql/functions/, whose triggers are the pipeline's
    triggers: list[tuple[str, str]]  # (table, trigger), as sql/schema.sql has them


def index_builds(sql_dir: Path) -> list[tuple[str, str]]:
    """(name, statement) of each concurrent index build of sql/adopt/3_indexes.sql, in file order."""
    text = (sql_dir / "adopt" / "3_indexes.sql").read_text(encoding="utf-8")
    return [(name, statement) for statement, name in INDEX_BUILD.findall(text)]


def pipeline_objects(sql_dir: Path) -> PipelineObjects:
    """Read from the files that create them, so the list cannot fall behind."""
    indexes = [name for name, _ in index_builds(sql_dir)]
    routines = sorted(
        {
            name
            for path in sorted((sql_dir / "functions").glob("*.sql"))
            for name in re.findall(
                r"^create or replace (?:function|procedure) (\w+)", path.read_text(encoding="utf-8"), flags=re.MULTILINE
            )
        }
    )
    triggers = [
        (table, name)
        for name, table in re.findall(
            r"^CREATE (?:CONSTRAINT )?TRIGGER (\w+) .*? ON (\w+) ",
            (sql_dir / "schema.sql").read_text(encoding="utf-8"),
            flags=re.MULTILINE,
        )
    ]
    return PipelineObjects(indexes=indexes, routines=routines, triggers=triggers)


@dataclass(frozen=True)
class Conflict:
    """One thing the database does not honour: where, what, and how many rows (None: not about rows)."""

    table: str
    column: str | None
    problem: str
    rows: int | None = None

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        return f"{where}: {self.problem}" + (f" ({self.rows} rows)" if self.rows is not None else "")


COLUMNS = """
select c.relname as table_name, a.attname as column_name, format_type(a.atttypid, null) as type,
       a.attnotnull as not_null, a.atthasdef or a.attidentity <> '' as has_default
  from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
 where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
"""
UNIQUE_KEYS = """
select c.relname as table_name,
       array(select a.attname::text from unnest(i.indkey) as k join pg_attribute a
              on a.attrelid = i.indrelid and a.attnum = k order by a.attname) as columns
  from pg_index i join pg_class c on c.oid = i.indrelid
 where c.relnamespace = 'public'::regnamespace and i.indisunique and i.indisvalid and i.indimmediate
   and i.indpred is null
"""
# Objects of the app whose names the pipeline's own would take over.
NAMED_OBJECTS = """
select 'function' as kind, proname as name, null as table_name from pg_proc
 where pronamespace = 'public'::regnamespace and proname = any(%(routines)s)
union all
select 'index', indexname, tablename from pg_indexes where schemaname = 'public' and indexname = any(%(indexes)s)
union all
select 'trigger', t.tgname, c.relname from pg_trigger t join pg_class c on c.oid = t.tgrelid
 where not t.tgisinternal and c.relnamespace = 'public'::regnamespace and t.tgname = any(%(triggers)s)
"""
# The tables the pipeline inserts rows into, with only the contract's columns.
INSERTED_INTO = ("tournament", "match", "participant_score")


DUPLICATES = sql.SQL(
    "select coalesce(sum(n), 0)::bigint as n from (select count(*) as n from {} group by {} having count(*) > 1) d"
)


@dataclass
class Catalog:
    """What the database has, read once: columns by table, and unique keys by table."""

    columns: dict[str, dict[str, dict]] = field(default_factory=dict)
    unique: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def read(cls, conn: DictConnection) -> Catalog:
        catalog = cls()
        for row in conn.execute(COLUMNS):
            catalog.columns.setdefault(row["table_name"], {})[row["column_name"]] = row
        for row in conn.execute(UNIQUE_KEYS):
            catalog.unique.setdefault(row["table_name"], set()).add(tuple(row["columns"]))
        return catalog

    def has_contract_tables(self) -> bool:
        return any(table.name in self.columns for table in CONTRACT)


def _count(conn: DictConnection, table: str, condition: sql.Composable) -> int:
    query = sql.SQL("select count(*) as n from {} where ").format(sql.Identifier(table)) + condition
    return one_row(conn.execute(query))["n"]


def _column_conflicts(conn: DictConnection, table: Table, column: Column, found: dict | None) -> list[Conflict]:
    if found is None:
        return [Conflict(table.name, column.name, "missing column")]
    if found["type"] not in ACCEPTED_TYPES[column.kind]:
        wanted = " or ".join(ACCEPTED_TYPES[column.kind])
        return [Conflict(table.name, column.name, f"type {found['type']}, the contract needs {wanted}")]
    conflicts = []
    name = sql.Identifier(column.name)
    if column.needs_default and not found["has_default"]:
        conflicts.append(Conflict(table.name, column.name, "no default (the pipeline inserts rows without it)"))
    if not column.not_null and found["not_null"]:
        conflicts.append(Conflict(table.name, column.name, "not null, but the pipeline writes nulls here"))
    if column.not_null and not found["not_null"]:
        nulls = _count(conn, table.name, sql.SQL("{} is null").format(name))
        if nulls:
            conflicts.append(Conflict(table.name, column.name, "null where the contract needs a value", nulls))
    if column.allowed:
        outside = _count(
            conn,
            table.name,
            sql.SQL("{} is not null and {}::text <> all({})").format(name, name, sql.Literal(list(column.allowed))),
        )
        if outside:
            allowed = ", ".join(column.allowed)
            conflicts.append(Conflict(table.name, column.name, f"values outside the contract's ({allowed})", outside))
    if column.non_negative:
        negative = _count(conn, table.name, sql.SQL("{} < 0").format(name))
        if negative:
            conflicts.append(Conflict(table.name, column.name, "negative scores", negative))
    return conflicts


def _unique_conflicts(conn: DictConnection, table: Table, catalog: Catalog) -> list[Conflict]:
    conflicts = []
    columns = catalog.columns[table.name]
    for key in table.unique:
        if not all(name in columns for name in key) or tuple(sorted(key)) in catalog.unique.get(table.name, set()):
            continue
        duplicates = one_row(
            conn.execute(DUPLICATES.format(sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, key))))
        )["n"]
        conflicts.append(
            Conflict(
                table.name,
                ", ".join(key),
                "no unique constraint or index on these columns"
                + (", and rows that repeat a key" if duplicates else ""),
                duplicates or None,
            )
        )
    return conflicts


def _extra_column_conflicts(table: Table, columns: dict[str, dict]) -> list[Conflict]:
    """An app column the pipeline's inserts cannot fill: not null, and no default."""
    if table.name not in INSERTED_INTO:
        return []
    contract = {column.name for column in table.columns} | set(PIPELINE_COLUMNS.get(table.name, ()))
    return [
        Conflict(table.name, name, "the app's column is not null without a default: the pipeline's inserts would fail")
        for name, found in columns.items()
        if name not in contract and found["not_null"] and not found["has_default"]
    ]


def _name_conflicts(conn: DictConnection, objects: PipelineObjects) -> list[Conflict]:
    """The app's functions, indexes and triggers named as the pipeline's (it would replace or skip them)."""
    rows = conn.execute(
        NAMED_OBJECTS,
        {"routines": objects.routines, "indexes": objects.indexes, "triggers": [name for _, name in objects.triggers]},
    )
    return [
        Conflict(
            row["table_name"] or "functions",
            None,
            f"{row['kind']} {row['name']} already exists: the pipeline creates one of that name itself",
        )
        for row in rows
        if row["kind"] != "trigger" or (row["table_name"], row["name"]) in objects.triggers
    ]


def find_conflicts(conn: DictConnection, catalog: Catalog, objects: PipelineObjects) -> list[Conflict]:
    """Every conflict of this database with the contract, for a database holding its tables
    but not yet the pipeline; reads each table's rows only where a column allows bad values."""
    conflicts: list[Conflict] = _name_conflicts(conn, objects)
    for table in CONTRACT:
        columns = catalog.columns.get(table.name)
        if columns is None:
            conflicts.append(Conflict(table.name, None, "missing table"))
            continue
        for column in table.columns:
            conflicts += _column_conflicts(conn, table, column, columns.get(column.name))
        conflicts += _unique_conflicts(conn, table, catalog)
        conflicts += _extra_column_conflicts(table, columns)
        for name in PIPELINE_COLUMNS.get(table.name, ()):
            if name in columns:
                conflicts.append(Conflict(table.name, name, "already exists: the pipeline adds this column itself"))
    for name in PIPELINE_TABLES:
        if name in catalog.columns:
            conflicts.append(Conflict(name, None, "already exists: the pipeline creates this table itself"))
    return conflicts
