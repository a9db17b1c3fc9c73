"""ODSQL (Opendatasoft's query language) parsed by the grammar ``odsql.lark`` and compiled to
PostgreSQL for a DataStore table.

Every value of a query becomes a bound parameter (``%(pN)s``, psycopg2's placeholders); every
field is one of the table's known columns, quoted as an identifier: nothing a caller writes
reaches the SQL text. Errors are :class:`ODSQLError`, whose message says where a clause fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .dates import date_format, date_value

# A clause longer than this, or with more nodes, is refused before it reaches the database.
MAX_CLAUSE_CHARS = 4000
MAX_NODES = 400

NUMERIC = {"int", "double"}
TEMPORAL = {"date", "datetime"}
AGGREGATES = {"count", "sum", "avg", "min", "max", "median", "percentile"}
DATE_PARTS = {"year", "month", "day", "hour", "minute", "second", "quarter", "dayofweek"}


class ODSQLError(Exception):
    """A query the API refuses: a 400 with ``{"error_code": code, "message": message}``."""

    def __init__(self, message: str, code: str = "ODSQLError"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Field:
    """A field as the API shows it (``name``, ``label``, ``type``) and the SQL reading it."""

    name: str
    label: str
    type: str
    sql: str  # a value expression on the table
    text_sql: str = ""  # its text in CSV exports (defaults to sql)

    def describe(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "annotations": {},
            "description": None,
        }


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = (Path(__file__).parent / "odsql.lark").read_text()
    starts = ["select_clause", "where_clause", "group_by_clause", "order_by_clause"]
    return Lark(grammar, parser="lalr", start=starts, propagate_positions=True)


def parse(clause: str, text: str) -> Tree:
    """The syntax tree of one clause (``select``, ``where``, ``group_by``, ``order_by``)."""
    if len(text) > MAX_CLAUSE_CHARS:
        raise ODSQLError(f"Query too long in {clause}: {len(text)} characters, at most {MAX_CLAUSE_CHARS}")
    try:
        tree = _parser().parse(text, start=f"{clause}_clause")
    except UnexpectedInput as e:
        raise ODSQLError(_syntax_message(clause, text, e)) from None
    if sum(1 for _ in tree.iter_subtrees()) > MAX_NODES:
        raise ODSQLError(f"Query too complex in {clause}: more than {MAX_NODES} elements")
    return tree


def _syntax_message(clause: str, text: str, e: UnexpectedInput) -> str:
    if isinstance(e, UnexpectedEOF) or (isinstance(e, UnexpectedToken) and e.token.type == "$END"):
        return f"Syntax error in {clause}: unexpected end of query after `{text.strip()[-20:]}`"
    column = getattr(e, "column", 0)
    if isinstance(e, UnexpectedCharacters):
        found = text[e.pos_in_stream : e.pos_in_stream + 10]
    else:
        found = str(e.token)
    return f"Syntax error in {clause} at position {column}: unexpected `{found}` in `{text.strip()[:80]}`"


def unquote_string(token: str) -> str:
    body = token[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def field_name(token: Token) -> str:
    text = str(token)
    if text.startswith("`"):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


@dataclass
class Expr:
    sql: str
    type: str  # a field type, "predicate", "null" or "any"
    aggregate: bool = False


class Compiler:
    """Compiles the clauses of one query against a table's fields; collects bound parameters."""

    def __init__(self, fields: dict[str, Field], fts_lang: str = "english", text: dict | None = None):
        self.fields = fields
        self.fts_lang = fts_lang
        self.params: dict[str, object] = {}
        self.aliases: set[str] = set()
        self.clause = ""
        self.text = text or {}

    def param(self, value, cast: str = "") -> str:
        key = f"p{len(self.params)}"
        self.params[key] = value
        return f"%({key})s{cast}"

    def source(self, node) -> str:
        """The text a node was written as (the key of an unnamed select or group_by expression)."""
        text = self.text.get(self.clause, "")
        meta = getattr(node, "meta", None)
        if meta is not None and not meta.empty:
            return text[meta.start_pos : meta.end_pos].strip()
        return str(node)

    # -- clauses -------------------------------------------------------------------------
    def where(self, text: str) -> str:
        self.clause, self.text["where"] = "where", text
        return self.predicate(parse("where", text).children[0])

    def select(self, text: str) -> list[tuple[str, Expr] | None]:
        """(output key, expression) for each item; None for ``*``."""
        self.clause, self.text["select"] = "select", text
        items = []
        for item in parse("select", text).children:
            if item.data == "select_all":
                items.append(None)
                continue
            expr = self.value(item.children[0])
            key = self.alias(item.children[1]) if len(item.children) > 1 else self.source(item.children[0])
            items.append((key, expr))
        return items

    def group_by(self, text: str) -> list[tuple[str, Expr]]:
        self.clause, self.text["group_by"] = "group_by", text
        items = []
        for item in parse("group_by", text).children:
            expr = self.value(item.children[0])
            if expr.aggregate:
                raise ODSQLError(f"Aggregation in group_by: `{self.source(item.children[0])}`")
            key = self.alias(item.children[1]) if len(item.children) > 1 else self.source(item.children[0])
            items.append((key, expr))
        return items

    def order_by(self, text: str) -> list[str]:
        self.clause, self.text["order_by"] = "order_by", text
        terms = []
        for item in parse("order_by", text).children:
            node, descending = item.children[0], False
            if isinstance(node, Tree) and node.data == "neg":  # -population: descending (ODS)
                node, descending = node.children[0], True
            if len(item.children) > 1:
                descending = str(item.children[1]).lower() == "desc"
            if node.data == "field" and field_name(node.children[0]) in self.aliases:
                sql = quote(field_name(node.children[0]))
            else:
                sql = self.value(node).sql
            # PostgreSQL's own null order (as datastore_search sorts): an index on the field serves it
            terms.append(f"{sql} {'DESC' if descending else 'ASC'}")
        return terms

    def alias(self, node: Tree) -> str:
        name = field_name(node.children[0])
        self.aliases.add(name)
        return name

    # -- predicates ----------------------------------------------------------------------
    def predicate(self, node) -> str:
        kind = node.data
        if kind == "or_":
            return f"({self.predicate(node.children[0])} OR {self.predicate(node.children[1])})"
        if kind == "and_":
            return f"({self.predicate(node.children[0])} AND {self.predicate(node.children[1])})"
        if kind == "not_":
            return f"(NOT {self.predicate(node.children[0])})"
        if kind == "string":  # a bare string: full-text search on every field
            return self.full_text(unquote_string(node.children[0]))
        expr = self.value(node)
        if expr.type == "boolean":
            return f"({expr.sql} IS TRUE)"
        if expr.type != "predicate":
            raise ODSQLError(f"Not a condition in {self.clause}: `{self.source(node)}`")
        if expr.aggregate:
            raise ODSQLError(f"Aggregation in {self.clause}: `{self.source(node)}`")
        return expr.sql

    def full_text(self, text: str) -> str:
        # the DataStore's own full-text column (_full_text, indexed), in its language
        words = re.findall(r"\w+\*?", text)
        if not words:
            return "TRUE"
        terms = [re.sub(r"\W", "", w) + (":*" if w.endswith("*") else "") for w in words]
        query = " & ".join(terms)
        return f"(_full_text @@ to_tsquery({self.param(self.fts_lang)}::regconfig, {self.param(query)}))"

    # -- values --------------------------------------------------------------------------
    def value(self, node) -> Expr:  # one branch per node of the grammar
        if isinstance(node, Token):
            raise ODSQLError(f"Unexpected `{node}` in {self.clause}")
        kind = node.data
        if kind == "number":
            text = str(node.children[0])
            number = float(text) if re.search(r"[.eE]", text) else int(text)
            return Expr(self.param(number), "double" if isinstance(number, float) else "int")
        if kind == "string":
            return Expr(self.param(unquote_string(node.children[0])), "text")
        if kind == "date":
            try:
                value = date_value(str(node.children[0]))
            except ValueError as e:
                raise ODSQLError(f"{e} (in {self.clause})") from None
            return Expr(self.param(value, "::timestamp"), "datetime")
        if kind == "boolean":
            return Expr(self.param(str(node.children[0]).lower() == "true"), "boolean")
        if kind == "null":
            return Expr("NULL", "null")
        if kind == "geom":
            raise ODSQLError(f"Geometry literals are not supported in {self.clause}: `{self.source(node)}`")
        if kind == "field":
            return self.field(node)
        if kind == "call":
            return self.call(node)
        if kind == "neg":
            inner = self.numeric(node.children[0])
            return Expr(f"(- {inner.sql})", inner.type, inner.aggregate)
        if kind in ("add", "sub", "mul", "div"):
            return self.arithmetic(node)
        if kind in ("or_", "and_", "not_"):
            return Expr(self.predicate(node), "predicate")
        return self.comparison(node)

    def field(self, node) -> Expr:
        name = field_name(node.children[0])
        found = self.fields.get(name)
        if found is None:
            if self.clause == "order_by" and name in self.aliases:
                return Expr(quote(name), "any")
            raise ODSQLError(f"Unknown field: {name} (in {self.clause})")
        return Expr(found.sql, found.type)

    def numeric(self, node) -> Expr:
        expr = self.value(node)
        if expr.type not in NUMERIC | {"any", "null"}:
            raise ODSQLError(f"Not a number in {self.clause}: `{self.source(node)}`")
        return expr

    def arithmetic(self, node) -> Expr:
        left, right = self.numeric(node.children[0]), self.numeric(node.children[1])
        operator = {"add": "+", "sub": "-", "mul": "*", "div": "/"}[node.data]
        aggregate = left.aggregate or right.aggregate
        if operator == "/":  # a real division, and no error on zero: NULL
            return Expr(f"({left.sql}::double precision / NULLIF({right.sql}, 0))", "double", aggregate)
        kind = "int" if left.type == right.type == "int" else "double"
        return Expr(f"({left.sql} {operator} {right.sql})", kind, aggregate)

    def comparison(self, node) -> Expr:
        kind = node.data
        children = [c for c in node.children if isinstance(c, Tree)]
        left = self.value(children[0])
        if kind in ("is_null", "is_not_null"):
            return Expr(f"({left.sql} IS {'NOT ' if kind == 'is_not_null' else ''}NULL)", "predicate")
        if kind == "is_boolean":
            truth = str(node.children[1].children[0]).upper()
            return Expr(f"({left.sql} IS {truth})", "predicate")
        if kind in ("compare", "compare_colon"):
            operator = "=" if kind == "compare_colon" else str(node.children[1])
            operator = "<>" if operator == "!=" else operator
            right = self.value(children[1])
            aggregate = left.aggregate or right.aggregate
            return Expr(f"({left.sql} {operator} {right.sql})", "predicate", aggregate)
        if kind in ("like", "not_like"):
            return self.like(left, children[1], negate=kind == "not_like")
        if kind in ("in_list", "not_in_list"):
            values = ", ".join(self.value(c).sql for c in children[1:])
            return Expr(f"({left.sql} {'NOT ' if kind == 'not_in_list' else ''}IN ({values}))", "predicate")
        if kind == "in_range":
            brackets = [str(c) for c in node.children if isinstance(c, Token) and c.type == "BRACKET"]
            low, high = self.value(children[1]), self.value(children[2])
            low_op = ">=" if brackets[0] == "[" else ">"
            high_op = "<=" if brackets[1] == "]" else "<"
            return Expr(f"({left.sql} {low_op} {low.sql} AND {left.sql} {high_op} {high.sql})", "predicate")
        raise ODSQLError(f"Unsupported expression in {self.clause}: `{self.source(node)}`")

    def like(self, left: Expr, pattern_node, negate: bool) -> Expr:
        if pattern_node.data != "string":
            raise ODSQLError(f"like expects a string in {self.clause}")
        pattern = unquote_string(pattern_node.children[0])
        if "%" not in pattern and "_" not in pattern:  # "star": values containing the text
            pattern = "%" + pattern + "%"
        operator = "NOT ILIKE" if negate else "ILIKE"
        return Expr(f"({left.sql}::text {operator} {self.param(pattern)})", "predicate")

    def call(self, node) -> Expr:
        name = str(node.children[0]).lower()
        args = [a for a in node.children[1:] if a is not None]
        if name in AGGREGATES:
            return self.aggregate(name, args, node)
        if name in ("search", "startswith", "suggest"):
            return self.search(name, args, node)
        if name in DATE_PARTS:
            (arg,) = self.arguments(name, args, 1)
            part = {"dayofweek": "isodow"}.get(name, name)
            return Expr(f"CAST(date_part('{part}', {arg.sql}) AS integer)", "int", arg.aggregate)
        if name == "length":
            (arg,) = self.arguments(name, args, 1)
            return Expr(f"char_length({arg.sql}::text)", "int", arg.aggregate)
        if name in ("lower", "upper"):
            (arg,) = self.arguments(name, args, 1)
            return Expr(f"{name}({arg.sql}::text)", "text", arg.aggregate)
        if name == "now":
            return Expr("LOCALTIMESTAMP", "datetime")
        if name == "date_format":
            date, fmt = self.arguments(name, args, 2, literal_last=True)
            return Expr(f"to_char({date.sql}, {self.param(date_format(fmt))})", "text", date.aggregate)
        raise ODSQLError(f"Unknown function: {name} (in {self.clause})")

    def arguments(self, name: str, args: list, count: int, literal_last: bool = False) -> list:
        if len(args) != count or any(a.data in ("star", "keyword_argument") for a in args):
            raise ODSQLError(f"{name}() takes {count} argument{'s' if count > 1 else ''} (in {self.clause})")
        values = [self.value(a) for a in (args[:-1] if literal_last else args)]
        if literal_last:
            if args[-1].data != "string":
                raise ODSQLError(f"{name}() expects a string as its last argument (in {self.clause})")
            values.append(unquote_string(args[-1].children[0]))
        return values

    def aggregate(self, name: str, args: list, node) -> Expr:
        if self.clause == "where":
            raise ODSQLError(f"Aggregation in where: `{self.source(node)}`")
        if name == "count" and len(args) == 1 and args[0].data == "star":
            return Expr("count(*)", "int", True)
        if name == "percentile":
            if len(args) != 2 or args[1].data != "number":
                raise ODSQLError(f"percentile() takes a field and a number (in {self.clause})")
            rank = float(str(args[1].children[0]))
            if not 0 <= rank <= 100:
                raise ODSQLError(f"Percentile must be between 0 and 100 (in {self.clause})")
            arg = self.numeric(args[0])
            return Expr(f"percentile_cont({rank / 100}) WITHIN GROUP (ORDER BY {arg.sql})", "double", True)
        (arg,) = self.arguments(name, args, 1)
        if arg.aggregate:
            raise ODSQLError(f"Nested aggregation in {self.clause}: `{self.source(node)}`")
        if name == "count":
            return Expr(f"count({arg.sql})", "int", True)
        if name == "median":
            return Expr(f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {arg.sql})", "double", True)
        if name in ("sum", "avg") and arg.type not in NUMERIC | {"any"}:
            raise ODSQLError(f"{name}() expects a numeric field (in {self.clause})")
        kind = "double" if name == "avg" or arg.type == "double" else arg.type
        return Expr(f"{name}({arg.sql})", kind, True)

    def search(self, name: str, args: list, node) -> Expr:
        if self.clause != "where" or not args or args[-1].data != "string":
            raise ODSQLError(f"{name}() takes fields and a string, in where: `{self.source(node)}`")
        text = unquote_string(args[-1].children[0])
        columns = [self.value(a) for a in args[:-1]]
        if not columns:
            if name == "search":
                return Expr(self.full_text(text), "predicate")
            columns = [Expr(f.sql, f.type) for f in self.fields.values() if f.type == "text"]
        # search and suggest: a word of the value starts with the text (ODS searches tokens);
        # startswith: the value does. A regular expression whose text is escaped, bound.
        pattern = self.param(("^" if name == "startswith" else "\\m") + re.escape(text))
        tests = [f"({c.sql}::text ~* {pattern})" for c in columns]
        return Expr("(" + (" OR ".join(tests) or "FALSE") + ")", "predicate")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""').replace("\0", "") + '"'
