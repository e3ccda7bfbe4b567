"""docs/design.md's "Reading the code": the reading order a learner follows from the README's
tour to Adam and ``fit``'s loop. Every function it names exists and has a docstring (the
math ones with their equation), each row's line count holds (within 10 %, at least 2 lines),
the totals it states hold, and the list stays under the bound it promises."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path

from test_reading_path_s27 import _resolve  # "file.py:Qual.name" -> the function

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"`([\w/]+\.py:[\w.]+)`")


def _section() -> str:
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    start = text.index("## Reading the code\n")
    return text[start:text.index("\n## ", start + 1)]


def _prose() -> str:
    return " ".join(_section().split())


def _rows() -> list[tuple[int, list[str], int]]:
    """(row number, the functions it names, the lines it claims) of the section's table."""
    rows = []
    for line in _section().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].isdigit():
            rows.append((int(cells[0]), NAME.findall(cells[1]), int(cells[2])))
    return rows


def _function(name: str) -> ast.FunctionDef:
    source = textwrap.dedent("".join(inspect.getsourcelines(_resolve(name))[0]))
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef), name
    return node


def _lines(name: str) -> int:
    return len(inspect.getsourcelines(_resolve(name))[0])


def _docstring_lines(name: str) -> int:
    body = _function(name).body
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
            first.value.value, str):
        return int(first.end_lineno or first.lineno) - first.lineno + 1
    return 0


def _check_lines(name: str) -> int:
    """Lines of the statements that raise, catch, or call a function whose name holds
    ``check``, ``error`` or ``refuse``: the code that checks rather than computes."""
    lines: set[int] = set()
    for node in ast.walk(_function(name)):
        if isinstance(node, ast.Raise | ast.ExceptHandler) or (
                isinstance(node, ast.Call)
                and re.search(r"check|error|refuse", ast.unparse(node.func))):
            lines.update(range(node.lineno, int(node.end_lineno or node.lineno) + 1))
    return len(lines)


def test_the_table_is_a_reading_order_of_functions_that_exist() -> None:
    rows = _rows()
    assert [number for number, _, _ in rows] == list(range(1, len(rows) + 1))
    names = [name for _, row, _ in rows for name in row]
    assert len(names) == len(set(names)) >= 25
    for name in names:
        assert callable(_resolve(name)), name
    # the path the brief names: forward, backward, loss gradient, SGD and Adam steps, fit loop
    for needed in ("layers.py:Dense.forward", "layers.py:Dense.backward",
                   "_loss_reduction.py:Reduction._grad", "sgd.py:SGD.step",
                   "adaptive.py:Adam._deltas", "_epoch_loop.py:_Loop._step"):
        assert needed in names, needed


def test_every_function_on_the_list_has_a_docstring_the_math_ones_an_equation() -> None:
    for number, names, _ in _rows():
        for name in names:
            doc = inspect.getdoc(_resolve(name))
            assert doc, f"{name} has no docstring"
            if 2 <= number <= 11:  # forward, loss gradient, backward, the steps
                assert "=" in doc or "<-" in doc, f"{name}'s docstring states no equation"


def test_each_row_counts_its_lines() -> None:
    for number, names, claimed in _rows():
        got = sum(map(_lines, names))
        assert abs(got - claimed) <= max(2, claimed // 10), (number, got, claimed)


def test_the_totals_the_section_states_hold() -> None:
    names = [name for _, row, _ in _rows() for name in row]
    said = re.search(r"(\d+) functions in (\d+) files, (\d+) lines with their docstrings",
                     _prose())
    assert said is not None
    functions, files, lines = map(int, said.groups())
    assert functions == len(names)
    assert files == len({name.split(":")[0] for name in names})
    total = sum(map(_lines, names))
    assert abs(total - lines) <= lines // 20, (total, lines, "update docs/design.md")
    bound = re.search(r"stays under (\d+) lines", _prose())
    assert bound is not None and total < int(bound.group(1))
    split = re.search(r"Of the (\d+) lines, (\d+) are docstrings", _prose())
    assert split is not None and int(split.group(1)) == lines
    docs = sum(map(_docstring_lines, names))
    assert abs(docs - int(split.group(2))) <= int(split.group(2)) // 10, docs
    checks = re.search(r"(\d+) lines raise, catch or call a check", _prose())
    assert checks is not None
    got = sum(map(_check_lines, names))
    assert abs(got - int(checks.group(1))) <= max(3, int(checks.group(1)) // 10), got


def test_the_readme_points_at_the_reading_order() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/design.md#reading-the-code)" in readme
