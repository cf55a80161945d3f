"""sccrun.parse: scc's per-file CSV as columns, on its fast path (no quote anywhere: cut with
str.split) and through the csv module (a quoted name), with a clear error for any other shape."""

from __future__ import annotations

import pytest

from implhub.codestats.sccrun import Counted, SccUnavailable, parse

HEAD = "Language,Provider,Filename,Lines,Code,Comments,Blanks,Complexity,Bytes,ULOC\n"


def test_the_fast_path_and_the_csv_module_read_the_same_columns() -> None:
    plain = HEAD + "Python,/r/a.py,a.py,3,1,1,1,0,20,0\nGo (gen),/r/b.go,b.go,2,2,0,0,0,30,0\n"
    quoted = plain + 'Python,"/r/c,d ""e"".py","c,d ""e"".py",1,1,0,0,0,5,0\nC,"/r/new\nline.c","new\nline.c",4,2,1,1,0,9,0\n'
    assert parse(plain) == Counted(["Python", "Go (gen)"], ["/r/a.py", "/r/b.go"], [3, 2], [1, 2], [1, 0], [1, 0], [20, 30])
    got = parse(quoted)
    assert got.locations == ["/r/a.py", "/r/b.go", '/r/c,d "e".py', "/r/new\nline.c"]
    assert got.languages[2:] == ["Python", "C"] and got.bytes[2:] == [5, 9] and got.code[3] == 2


def test_columns_in_another_order_are_read_by_name_and_empty_output_is_no_files() -> None:
    turned = "ULOC,Bytes,Complexity,Blanks,Comments,Code,Lines,Filename,Provider,Language\n0,20,0,1,1,1,3,a.py,/r/a.py,Python\n"
    assert parse(turned) == Counted(["Python"], ["/r/a.py"], [3], [1], [1], [1], [20])
    assert parse("") == parse(HEAD) == Counted([], [], [], [], [], [], [])


@pytest.mark.parametrize("text, message", [
    (HEAD + "Python,/r/a.py,a.py,3,1,1,1,0,20\n", "row of 9 fields, not 10"),
    (HEAD + 'Python,"/r/a,b.py",a.py,3,1,1,1,0,20\n', "row of 9 fields, not 10"),
    (HEAD + "Python,/r/a.py,a.py,three,1,1,1,0,20,0\n", "not a number"),
    ("Language,Provider,Lines\nPython,/r/a.py,3\n", "lacks the column 'code'"),
])
def test_another_shape_is_named(text: str, message: str) -> None:
    with pytest.raises(SccUnavailable, match=message):
        parse(text)


def test_counts_json_would_misread_go_through_int() -> None:
    # a leading zero is not JSON, "1e3" and "1.5" are JSON but not counts
    assert parse(HEAD + "Python,/r/a.py,a.py,007,1,1,1,0,20,0\n").lines == [7]
    for bad in ("1e3", "1.5", "", "\u00b2"):  # the last: a digit to str.isdigit(), no number to int()
        with pytest.raises(SccUnavailable, match="not a number"):
            parse(HEAD + f"Python,/r/a.py,a.py,3,{bad},1,1,0,20,0\n")
