"""Names holding a comma in the command line's lists: ``--categorical '"zip, code",city'``
and ``--class-weight '"a,b"=2'``, quoted as the data file quotes a cell (RFC 4180)."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

import pytest

import nonlin
from cli_helpers import error_line
from nonlin import cli
from nonlin.cli_common import name_list
from nonlin.cli_weights import _pairs

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("text", "names"), [
    ('"zip, code",city', ["zip, code", "city"]),
    ('city,"zip, code"', ["city", "zip, code"]),
    ('"say ""hi""",b', ['say "hi"', "b"]),
    ('"a,b"', ["a,b"]),
    ('a"b,c', ['a"b', "c"]),  # a quote inside an unquoted name is a plain character
    ('"",a', None),  # an empty name, quoted or not, is refused as before
])
def test_a_quoted_name_may_hold_commas_and_quotes(text: str, names: list[str] | None) -> None:
    if names is None:
        with pytest.raises(argparse.ArgumentTypeError, match="expected comma-separated"):
            name_list(text)
    else:
        assert name_list(text) == names


@pytest.mark.parametrize("text", ["a,b", " a , b ", "a b,c", "x=1,y", "a;b", "é,ü", "a'b,c"])
def test_a_list_without_quotes_is_split_on_every_comma_as_before(text: str) -> None:
    assert name_list(text) == text.split(",")


@pytest.mark.parametrize("text", ["a,,b", ",a", "a, ", "a,a"])
def test_a_list_without_quotes_is_refused_as_before(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=r"received '|repeat in '"):
        name_list(text)


@pytest.mark.parametrize(("text", "fragment"), [
    ('"zip, code', "expected a closing quote (\") after '\"zip, code', received '\"zip, code'"),
    ('a,"b""', "received 'a,\"b\"\"'"),
    ('"zip" ,city', "expected a comma or the end after the closing quote of 'zip', received"),
])
def test_an_unbalanced_or_misplaced_quote_is_refused_naming_the_text(
    text: str, fragment: str
) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as info:
        name_list(text)
    assert fragment in str(info.value)


def test_class_weight_labels_may_be_quoted() -> None:
    assert _pairs('"a,b"=2,c=1') == [("a,b", 2.0), ("c", 1.0)]
    assert _pairs('"x=y"=3') == [("x=y", 3.0)]
    assert _pairs('"say ""no"""=0.5') == [('say "no"', 0.5)]
    assert _pairs("yes=5,no=1") == [("yes", 5.0), ("no", 1.0)]  # as before
    for bad in ('"a,b"2', '"a,b"', '"a,b=2'):
        with pytest.raises(argparse.ArgumentTypeError, match="received"):
            _pairs(bad)


def _shops(folder: Path) -> Path:
    rows = [f'{z},{c},{i % 7},"{"a,b" if (z + i) % 3 else "c"}"'
            for i, (z, c) in enumerate([(1, "x"), (2, "y"), (1, "y"), (3, "x")] * 6)]
    path = folder / "shops.csv"
    path.write_text('"zip, code",city,n,kind\n' + "\n".join(rows) + "\n")
    return path


def test_cli_md_example_trains_on_a_column_and_a_class_named_with_commas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    line = next(raw.strip() for raw in text.splitlines()
                if raw.strip().startswith("nonlin train shops.csv"))
    monkeypatch.chdir(tmp_path)
    _shops(tmp_path)
    args = shlex.split(line)[1:]
    assert cli.main([*args, "--hidden", "4", "--epochs", "1", "--quiet"]) == 0
    meta = nonlin.load("model.safetensors").metadata
    assert [e["column"] for e in meta["categorical"]] == ["zip, code", "city"]
    assert meta["training"]["class_weights"] == {"a,b": 2.0, "c": 1.0}
    assert meta["classes"] == ["a,b", "c"]


def test_columns_exclude_and_keep_take_quoted_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _shops(tmp_path)
    model = tmp_path / "m.safetensors"
    assert cli.main(["train", str(data), "--target", "kind", "--columns", '"zip, code",n',
                     "--hidden", "4", "--epochs", "1", "--quiet", "-o", str(model)]) == 0
    assert nonlin.load(str(model)).metadata["feature_names"] == ["zip, code", "n"]
    assert cli.main(["train", str(data), "--target", "kind", "--exclude", '"zip, code",city',
                     "--hidden", "4", "--epochs", "1", "--quiet", "-o", str(model)]) == 0
    assert nonlin.load(str(model)).metadata["feature_names"] == ["n"]
    capsys.readouterr()
    assert cli.main(["predict", str(model), str(data), "--keep", '"zip, code"']) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == '"zip, code",prediction' and out[1].startswith("1,")


def test_an_unbalanced_quote_on_the_command_line_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _shops(tmp_path)
    with pytest.raises(SystemExit) as info:
        cli.main(["train", str(data), "--target", "kind", "--categorical", '"zip, code'])
    assert info.value.code == 2
    error_line(capsys, "argument --categorical: expected a closing quote", "'\"zip, code'")


def test_the_advice_to_one_hot_encode_a_text_column_quotes_a_name_with_a_comma(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _shops(tmp_path)
    text = data.read_text().replace('"zip, code"', "n2", 1).replace("city", '"city, town"', 1)
    data.write_text(text)
    assert cli.main(["train", str(data), "--target", "kind", "--quiet"]) == 2
    error_line(capsys, "one-hot encode it (--categorical '\"city, town\"')")
