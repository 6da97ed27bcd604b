"""Public pages' queries: compiled once per process, and sent together.

Two costs dominate an uncached public page besides its templates, and both
are paid per query rather than per row:

- compiling. Building and compiling a queryset costs the ORM more than
  PostgreSQL takes to run it: the listings annotate each city with five
  correlated subqueries. ``precompiled`` compiles a queryset's SQL once per
  process for each set of arguments; the query itself runs every time.
- waiting. Each query is a round trip to PostgreSQL, and the server process
  has to be woken for it. ``together`` sends several independent queries in
  one go (psycopg's pipeline mode), so a page waits once for all of them.
  Each is still its own statement, counted as one by assertNumQueries.

The third, PostgreSQL planning each statement again, goes with prepared
statements (DATABASE_PREPARED_STATEMENTS in b40/settings.py): the SQL of a
precompiled query is the same text on every call, so it is prepared once a
connection.
"""

import functools
from collections.abc import Callable, Iterator
from types import SimpleNamespace

from django.db import connection
from django.db.models.query import (
    ModelIterable,
    ValuesIterable,
    get_related_populators,
)

# A row read by Query.as_records(): its columns as attributes.
Record = SimpleNamespace


class Query:
    """One statement's rows: read when first iterated, or sent ahead by together().

    ``read`` turns the executed statement (its fetchall()) into the rows
    callers get: model instances, dicts or records. ``names`` are a values()
    query's keys, which as_records() reads its columns under.
    """

    def __init__(self, sql: str, params, read: Callable, names=None):
        self.sql = sql
        self.params = params
        self._read = read
        self.names = names
        self._cursor = None
        self._rows = None

    def send(self) -> None:
        self._cursor = connection.cursor()
        self._cursor.execute(self.sql, self.params)

    @property
    def sent(self) -> bool:
        return self._cursor is not None or self._rows is not None

    @property
    def rows(self) -> list:
        if self._rows is None:
            if self._cursor is None:
                self.send()
            try:
                self._rows = self._read(self)
            finally:
                self._cursor.close()
        return self._rows

    def bind(self, placeholder: str, value) -> "Query":
        """The same statement with ``value`` wherever the parameter
        ``placeholder`` stood: a query compiled once for any value of it."""
        params = [value if param == placeholder else param for param in self.params]
        return Query(self.sql, params, self._read, self.names)

    def as_records(self) -> "Query":
        """The same values() statement, each row a Record (attribute access,
        like a model instance, at a tenth of the cost of building one)."""
        if self.names is None:
            raise TypeError("as_records() reads values() queries")
        return Query(self.sql, self.params, _records(self.names), self.names)

    def fetchall(self) -> list[tuple]:
        """The executed statement's raw rows, for ``read``."""
        return self._cursor.fetchall()

    def __iter__(self) -> Iterator:
        return iter(self.rows)


def together(*queries: Query) -> None:
    """Send the queries not yet sent in one round trip to PostgreSQL.

    The queries must not depend on each other's results. Their rows are read
    as each is iterated, from what the server has already answered.
    """
    pending = [query for query in queries if not query.sent]
    if len(pending) < 2:
        return
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.pipeline():
        for query in pending:
            query.send()


def _instances(compiler) -> Callable[[Query], list]:
    """Read a query's rows as its model's instances, as QuerySet iteration does:
    the same converters, select_related() objects and annotations.

    What the compiler worked out about the columns is kept, but not the
    compiler: it holds the database connection of the thread that compiled,
    and a process serving each request on a new thread (runserver) would
    keep every such connection open. Each read binds a new compiler to the
    connection of its own thread.
    """
    sql_query = compiler.query
    select, klass_info = compiler.select, compiler.klass_info
    annotation_col_map, col_count = compiler.annotation_col_map, compiler.col_count
    model = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]

    def read(query: Query) -> list:
        reader = sql_query.get_compiler(connection=connection)
        reader.select, reader.klass_info = select, klass_info
        reader.annotation_col_map, reader.col_count = annotation_col_map, col_count
        db = connection.alias
        related = get_related_populators(klass_info, select, db)
        instances = []
        for row in reader.results_iter(results=[query.fetchall()]):
            instance = model.from_db(db, init_list, row[start:end])
            for populator in related:
                populator.populate(row, instance)
            for name, position in annotation_col_map.items():
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances

    return read


def _value_names(query) -> list[str]:
    """The keys values() gives a row's columns, in their order (as
    ValuesIterable works them out)."""
    if query.selected:
        return list(query.selected)
    return [*query.extra_select, *query.values_select, *query.annotation_select]


def _dicts(names: list[str]) -> Callable[[Query], list[dict]]:
    """Read a values() query's rows as dicts under the names values() gives."""

    def read(query: Query) -> list[dict]:
        return [dict(zip(names, row, strict=True)) for row in query.fetchall()]

    return read


def _records(names: list[str]) -> Callable[[Query], list[Record]]:
    """Read a values() query's rows as Records of the names values() gives."""

    def read(query: Query) -> list[Record]:
        records = []
        for row in query.fetchall():
            # Filled in place: one dict a row, where Record(**row) copies one.
            record = Record()
            record.__dict__.update(zip(names, row, strict=True))
            records.append(record)
        return records

    return read


def precompiled(build):
    """Run the queryset ``build(*args)`` makes from SQL compiled once per arguments.

    Its SQL depends on the arguments alone, never on the data, so it is
    compiled once per process for each set of arguments. So everything the
    SQL depends on (the date, the language) must be an argument: a build that
    read today's date or the active language itself would keep the first one.
    The result is a Query of model instances (with their select_related()
    objects), or of dicts for a values() queryset; values_list() and
    prefetch_related() are refused rather than half done.
    """

    @functools.lru_cache(maxsize=256)
    def compiled(*args, **kwargs):
        queryset = build(*args, **kwargs)
        if queryset._prefetch_related_lookups:
            raise TypeError("precompiled querysets cannot prefetch_related()")
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        if queryset._iterable_class is ValuesIterable:
            names = _value_names(queryset.query)
            return _dicts(names), sql, params, names
        if queryset._iterable_class is not ModelIterable:
            raise TypeError("precompiled querysets give instances or values()")
        return _instances(compiler), sql, params, None

    @functools.wraps(build)
    def run(*args, **kwargs) -> Query:
        read, sql, params, names = compiled(*args, **kwargs)
        return Query(sql, params, read, names)

    return run
