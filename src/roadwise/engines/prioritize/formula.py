"""A small, safe expression language for user-defined priority formulas.

A formula is parsed with :mod:`ast` and only a whitelisted set of nodes is accepted:
numbers, item fields, ``+ - * / **``, ``min max log sqrt abs``, comparisons, ``and or not`` and
``a if condition else b``. Nothing is ever passed to ``eval``: the tree is compiled into
NumPy operations, so one formula scores a whole backlog (or a Monte Carlo sample matrix) at once.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from roadwise.errors import RoadwiseError

Array = Any  # a float or a NumPy array; formulas broadcast like NumPy does
Evaluator = Callable[[Mapping[str, Array]], Array]

MAX_LENGTH = 2000
MAX_DEPTH = 60
FORMULA_FIELD = "settings.priority.formula"

_FUNCTIONS: dict[str, tuple[Callable[..., Array], int, int | None]] = {
    # name: (implementation, min args, max args or None for any)
    "min": (lambda *a: _fold(np.minimum, a), 1, None),
    "max": (lambda *a: _fold(np.maximum, a), 1, None),
    "log": (np.log, 1, 1),
    "sqrt": (np.sqrt, 1, 1),
    "abs": (np.abs, 1, 1),
}

_BINARY: dict[type[ast.operator], Callable[[Array, Array], Array]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
    ast.Pow: np.power,
}

_COMPARE: dict[type[ast.cmpop], Callable[[Array, Array], Array]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}

_DESCRIBE: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "indexing (a[b])",
    ast.Lambda: "lambda functions",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dictionaries",
    ast.Set: "sets",
    ast.JoinedStr: "strings",
    ast.NamedExpr: "assignment (:=)",
    ast.Starred: "star arguments",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.Slice: "slices",
}


def _fold(op: Callable[[Array, Array], Array], args: tuple[Array, ...]) -> Array:
    out = args[0]
    for a in args[1:]:
        out = op(out, a)
    return out


@dataclass(frozen=True)
class Formula:
    """A compiled formula: its text, the fields it reads and a vectorised evaluator."""

    text: str
    fields: tuple[str, ...]
    evaluate: Evaluator

    def __call__(self, values: Mapping[str, Array]) -> Array:
        with np.errstate(all="ignore"):
            return self.evaluate(values)


def _error(message: str, node: ast.AST | None = None, field: str = FORMULA_FIELD) -> RoadwiseError:
    where = (
        f" (at column {node.col_offset + 1})"
        if node is not None and hasattr(node, "col_offset")
        else ""
    )
    return RoadwiseError(f"formula: {message}{where}", field=field)


def parse_formula(text: str, known_fields: Iterable[str], field: str = FORMULA_FIELD) -> Formula:
    """Compile ``text`` into a :class:`Formula`; a :class:`RoadwiseError` names any problem."""
    known = set(known_fields)
    if not text or not text.strip():
        raise _error("the formula is empty", field=field)
    if len(text) > MAX_LENGTH:
        raise _error(f"the formula is longer than {MAX_LENGTH} characters", field=field)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        col = f" (at column {exc.offset})" if exc.offset else ""
        raise RoadwiseError(
            f"formula: not a valid expression: {exc.msg}{col}", field=field
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise _error("the formula is nested too deeply", field=field) from None
    used: list[str] = []

    def compile_node(node: ast.AST, depth: int) -> Evaluator:
        if depth > MAX_DEPTH:
            raise _error("the formula is nested too deeply", node, field)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise _error(
                    f"only numbers are allowed as constants, not {node.value!r}", node, field
                )
            number = float(node.value)
            return lambda _v: number
        if isinstance(node, ast.Name):
            name = node.id
            if name.startswith("_"):
                raise _error(f"names starting with '_' are not allowed ('{name}')", node, field)
            if name in _FUNCTIONS:
                raise _error(f"'{name}' is a function: call it as {name}(...)", node, field)
            if name not in known:
                raise _error(
                    f"unknown field '{name}'; known fields: {', '.join(sorted(known))}",
                    node,
                    field,
                )
            if name not in used:
                used.append(name)
            return lambda v: v[name]
        if isinstance(node, ast.BinOp):
            op = _BINARY.get(type(node.op))
            if op is None:
                raise _error(
                    f"the operator '{type(node.op).__name__}' is not allowed; use + - * / **",
                    node,
                    field,
                )
            left, right = compile_node(node.left, depth + 1), compile_node(node.right, depth + 1)
            return lambda v: op(left(v), right(v))
        if isinstance(node, ast.UnaryOp):
            operand = compile_node(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return lambda v: np.negative(operand(v))
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(node.op, ast.Not):
                return lambda v: np.logical_not(operand(v))
            raise _error("the operator '~' is not allowed", node, field)
        if isinstance(node, ast.BoolOp):
            parts = [compile_node(p, depth + 1) for p in node.values]
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            return lambda v: _fold(combine, tuple(p(v) for p in parts))
        if isinstance(node, ast.Compare):
            first = compile_node(node.left, depth + 1)
            steps = []
            for op_node, comparator in zip(node.ops, node.comparators, strict=True):
                cmp = _COMPARE.get(type(op_node))
                if cmp is None:
                    raise _error("only < <= > >= == != comparisons are allowed", node, field)
                steps.append((cmp, compile_node(comparator, depth + 1)))

            def compare(v: Mapping[str, Array]) -> Array:
                left = first(v)
                result: Array = True
                for cmp, right_of in steps:
                    right = right_of(v)
                    result = np.logical_and(result, cmp(left, right))
                    left = right
                return result

            return compare
        if isinstance(node, ast.IfExp):
            test = compile_node(node.test, depth + 1)
            yes = compile_node(node.body, depth + 1)
            no = compile_node(node.orelse, depth + 1)
            return lambda v: np.where(test(v), yes(v), no(v))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                compile_node(node.func, depth + 1)  # names the construct if it is not allowed
                raise _error(
                    "only the functions min, max, log, sqrt and abs may be called", node, field
                )
            fname = node.func.id
            spec = _FUNCTIONS.get(fname)
            if spec is None or fname.startswith("_"):
                raise _error(
                    f"calling '{fname}' is not allowed; allowed functions: "
                    + ", ".join(sorted(_FUNCTIONS)),
                    node,
                    field,
                )
            if node.keywords:
                raise _error(f"{fname}() takes no keyword arguments", node, field)
            impl, least, most = spec
            if len(node.args) < least or (most is not None and len(node.args) > most):
                wanted = f"{least}" if most == least else f"at least {least}"
                raise _error(
                    f"{fname}() takes {wanted} argument(s), got {len(node.args)}", node, field
                )
            args = [compile_node(a, depth + 1) for a in node.args]
            return lambda v: impl(*(a(v) for a in args))
        what = _DESCRIBE.get(type(node), type(node).__name__)
        raise _error(f"{what} is not allowed in a formula", node, field)

    evaluate = compile_node(tree.body, 0)
    return Formula(text=text, fields=tuple(used), evaluate=evaluate)
