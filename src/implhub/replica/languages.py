"""What source code looks like, per language: keywords, layout, comment style, naming.

The templates are written from each language's public specification (the Go spec, the Java
Language Specification, the TypeScript handbook, the Python reference, ...): only the shape of
ordinary code is captured, enough that a trigram index over the output behaves like one over a
real repository (keywords, identifiers, punctuation and indentation in realistic proportions).

Placeholders: {f} function name, {t} type name, {a} {b} {c} variable names, {n} a number,
{s} a word for a string literal, {p} a package or module name.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Language:
    key: str
    name: str
    ext: str
    comment: str  # line comment prefix
    indent: str
    header: tuple[str, ...]
    func_open: tuple[str, ...]
    stmts: tuple[str, ...]
    blocks: tuple[str, ...]  # lines that open a nested block
    close: str  # line that closes a block ("" for indentation-only languages)
    func_close: str | None = None  # when a function ends differently from a block
    type_open: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    case: str = "camel"  # camel | snake | pascal: how function names are spelled
    dirs: tuple[str, ...] = ("src",)
    aliases: tuple[str, ...] = field(default_factory=tuple)


C_LIKE_BLOCKS = ("if ({a} == null) {{", "if ({a} > {n}) {{", "for (int i = 0; i < {b}.size(); i++) {{",
                 "while ({a}.hasNext()) {{", "if (!{a}.isEmpty()) {{", "try {{")

LANGUAGES: dict[str, Language] = {}


def _add(lang: Language) -> None:
    LANGUAGES[lang.key] = lang


_add(Language(
    key="go", name="Go", ext=".go", comment="//", indent="\t",
    header=("package {p}", "", "import (", '\t"context"', '\t"fmt"', '\t"strings"', '\t"{p}/internal/{s}"', ")"),
    func_open=("func {f}(ctx context.Context, {a} *{t}) ({t}, error) {{", "func ({a} *{t}) {f}({b} string, {c} int) error {{",
               "func {f}({a} []{t}) map[string]{t} {{"),
    stmts=("{a}, err := {b}.{f}(ctx, {c})", "if err != nil {{ return nil, fmt.Errorf(\"{s}: %w\", err) }}",
           "{a} := make([]{t}, 0, {n})", "{a} = append({a}, {b})", "defer {a}.Close()",
           "{a}.{t} = strings.TrimSpace({b})", "log.Printf(\"{s} %d %s\", {a}, {b})", "return {a}, nil",
           "{a} := &{t}{{Name: {b}, Count: {n}}}", "{a}++", "{a} := len({b}) - {n}"),
    blocks=("if {a} == nil {{", "for _, {a} := range {b} {{", "if err := {a}.{f}(); err != nil {{", "switch {a}.Kind {{",
            "select {{", "for i := 0; i < {n}; i++ {{"),
    close="}", type_open=("type {t} struct {{",), fields=("{t} string `json:\"{s}\"`", "{t} int64", "{t} *{t}", "{t} []string"),
    case="pascal", dirs=("pkg", "internal", "cmd"), aliases=("golang",),
))
_add(Language(
    key="java", name="Java", ext=".java", comment="//", indent="    ",
    header=("package com.{p}.{s};", "", "import java.util.List;", "import java.util.Map;", "import java.util.Optional;",
            "import com.{p}.core.{t};"),
    func_open=("public {t} {f}({t} {a}, int {b}) {{", "private static List<{t}> {f}(Map<String, {t}> {a}) {{",
               "protected void {f}(final {t} {a}) throws IOException {{"),
    stmts=("final {t} {a} = new {t}({b}, {n});", "{a}.{f}({b});", "List<{t}> {a} = new ArrayList<>();",
           "{a}.add({b});", "logger.debug(\"{s} {{}}\", {a});", "return {a};", "this.{a} = {b};",
           "Optional<{t}> {a} = repository.findById({b});", "{a} += {n};", "throw new IllegalStateException(\"{s}\");"),
    blocks=C_LIKE_BLOCKS + ("for (final {t} {a} : {b}) {{", "switch ({a}) {{", "synchronized (this) {{"),
    close="}", type_open=("public class {t} implements {t} {{", "public final class {t} {{", "public interface {t} {{"),
    fields=("private final {t} {a};", "private int {a} = {n};", "private static final String {a} = \"{s}\";"),
    case="camel", dirs=("src/main/java", "src/test/java"),
))
_add(Language(
    key="ts", name="TypeScript", ext=".ts", comment="//", indent="  ",
    header=("import {{ {t} }} from './{s}'", "import * as {p} from '{p}'", "import type {{ {t}, {t} }} from '../{p}/{s}'"),
    func_open=("export function {f}({a}: {t}, {b}: number): {t} {{", "export async function {f}({a}: string): Promise<{t}[]> {{",
               "const {f} = ({a}: {t}): boolean => {{"),
    stmts=("const {a} = await {b}.{f}({c})", "let {a}: {t} | undefined = undefined", "{a}.push({b})",
           "const {a} = {b}.filter(x => x.{c} > {n})", "return {a}", "console.log(`{s} ${{{a}}}`)",
           "{a}.{c} = {b} ?? '{s}'", "const {{ {a}, {b} }} = {c}", "throw new Error('{s}')", "{a} += {n}"),
    blocks=("if ({a} === undefined) {{", "for (const {a} of {b}) {{", "if ({a}.length > {n}) {{", "try {{",
            "switch ({a}.kind) {{"),
    close="}", type_open=("export class {t} {{", "export interface {t} {{"),
    fields=("readonly {a}: {t}", "private {a}: number = {n}", "{a}?: string"),
    case="camel", dirs=("src", "src/lib", "test"), aliases=("typescript", "tsx"),
))
_add(Language(
    key="js", name="JavaScript", ext=".js", comment="//", indent="  ",
    header=("'use strict'", "const {p} = require('{p}')", "const {{ {f} }} = require('./{s}')"),
    func_open=("function {f}({a}, {b}) {{", "async function {f}({a}) {{", "module.exports.{f} = function ({a}, {b}) {{"),
    stmts=("const {a} = {b}.{f}({c})", "let {a} = []", "{a}.push({b})", "return {a}", "console.log('{s}', {a})",
           "{a}.{c} = {b} || '{s}'", "const {a} = await fetch(`/api/{s}/${{{b}}}`)", "{a} += {n}"),
    blocks=("if (!{a}) {{", "for (const {a} of {b}) {{", "if ({a}.length > {n}) {{", "try {{"),
    close="}", type_open=("class {t} {{",), fields=("constructor ({a}) {{ this.{a} = {a} }}",),
    case="camel", dirs=("lib", "src"), aliases=("javascript", "jsx"),
))
_add(Language(
    key="py", name="Python", ext=".py", comment="#", indent="    ",
    header=('"""{s} {s} {s}."""', "", "from __future__ import annotations", "", "import os", "from typing import Any",
            "from {p}.{s} import {t}"),
    func_open=("def {f}({a}: {t}, {b}: int = {n}) -> {t}:", "async def {f}(self, {a}: str) -> list[{t}]:",
               "def {f}({a}, *{b}, **{c}):"),
    stmts=("{a} = {b}.{f}({c})", "{a}.append({b})", "return {a}", "logger.info(\"{s} %s\", {a})",
           "{a} = [x for x in {b} if x.{c} > {n}]", "{a}: dict[str, Any] = {{}}", "raise ValueError(\"{s}\")",
           "{a} += {n}", "self.{a} = {b}"),
    blocks=("if {a} is None:", "for {a} in {b}:", "if len({a}) > {n}:", "try:", "with open({a}) as fh:"),
    close="", type_open=("class {t}({t}):", "class {t}:"), fields=("{a}: {t}", "{a}: int = {n}"),
    case="snake", dirs=("{p}", "tests"), aliases=("python",),
))
_add(Language(
    key="c", name="C", ext=".c", comment="//", indent="    ",
    header=("#include <stdio.h>", "#include <stdlib.h>", "#include <string.h>", '#include "{s}.h"'),
    func_open=("static int {f}(struct {t} *{a}, size_t {b}) {{", "int {f}(const char *{a}) {{", "void {f}(void) {{"),
    stmts=("{a} = {f}({b}, {n});", "memset({a}, 0, sizeof(*{a}));", "return {a};", "fprintf(stderr, \"{s}: %d\\n\", {a});",
           "{a}->{b} = {c};", "free({a});", "{a}++;", "char *{a} = malloc({n});"),
    blocks=("if ({a} == NULL) {{", "for (size_t i = 0; i < {b}; i++) {{", "while ({a} > {n}) {{", "switch ({a}) {{"),
    close="}", type_open=("struct {t} {{",), fields=("int {a};", "char *{a};", "struct {t} *{a};"),
    case="snake", dirs=("src", "lib"),
))
_add(Language(
    key="cpp", name="C++", ext=".cpp", comment="//", indent="  ",
    header=("#include <memory>", "#include <string>", "#include <vector>", '#include "{p}/{s}.h"', "", "namespace {p} {{"),
    func_open=("std::vector<{t}> {f}(const {t}& {a}, int {b}) {{", "bool {t}::{f}(std::string_view {a}) {{",
               "void {f}(std::unique_ptr<{t}> {a}) {{"),
    stmts=("auto {a} = {b}.{f}({c});", "{a}.push_back({b});", "return {a};", "std::cout << \"{s}\" << {a} << std::endl;",
           "{a}->{b} = std::move({c});", "const auto& {a} = {b}[{n}];", "++{a};"),
    blocks=("if (!{a}) {{", "for (const auto& {a} : {b}) {{", "while ({a} < {n}) {{", "switch ({a}) {{"),
    close="}", type_open=("class {t} : public {t} {{", "struct {t} {{"), fields=("int {a}_ = {n};", "std::string {a}_;"),
    case="pascal", dirs=("src", "include"), aliases=("c++", "cc"),
))
_add(Language(
    key="cs", name="C#", ext=".cs", comment="//", indent="    ",
    header=("using System;", "using System.Collections.Generic;", "using System.Linq;", "", "namespace {t}.{t};"),
    func_open=("public async Task<{t}> {f}({t} {a}, CancellationToken ct) {{", "private static bool {f}(string {a}) {{"),
    stmts=("var {a} = await {b}.{f}Async({c}, ct);", "{a}.Add({b});", "return {a};", "_logger.LogInformation(\"{s} {{Id}}\", {a});",
           "{a} = {b}?.{c} ?? {n};", "throw new ArgumentException(\"{s}\");"),
    blocks=("if ({a} is null) {{", "foreach (var {a} in {b}) {{", "using (var {a} = {b}.Open()) {{"),
    close="}", type_open=("public sealed class {t} : I{t} {{", "public record {t} {{"),
    fields=("public {t} {t} {{ get; init; }}", "private readonly {t} _{a};"),
    case="pascal", dirs=("src", "tests"), aliases=("csharp", "c#"),
))
_add(Language(
    key="rb", name="Ruby", ext=".rb", comment="#", indent="  ",
    header=("# frozen_string_literal: true", "", "require '{p}'", "require_relative '{s}'"),
    func_open=("def {f}({a}, {b} = {n})", "def self.{f}({a})"),
    stmts=("{a} = {b}.{f}({c})", "{a} << {b}", "return {a} if {b}.nil?", "Rails.logger.info(\"{s} #{{{a}}}\")",
           "@{a} = {b}", "raise ArgumentError, '{s}'"),
    blocks=("if {a}.present?", "{b}.each do |{a}|", "unless {a}.empty?", "begin"),
    close="end", type_open=("class {t} < {t}", "module {t}"), fields=("attr_reader :{a}", "include {t}"),
    case="snake", dirs=("app/models", "lib", "spec"), aliases=("ruby",),
))
_add(Language(
    key="rs", name="Rust", ext=".rs", comment="//", indent="    ",
    header=("use std::collections::HashMap;", "use crate::{p}::{t};", "use anyhow::Result;"),
    func_open=("pub fn {f}({a}: &{t}, {b}: usize) -> Result<{t}> {{", "fn {f}(&mut self, {a}: &str) -> Option<{t}> {{"),
    stmts=("let {a} = {b}.{f}({c})?;", "let mut {a} = Vec::with_capacity({n});", "{a}.push({b});", "Ok({a})",
           "tracing::debug!(\"{s} {{}}\", {a});", "self.{a} = {b}.clone();"),
    blocks=("if let Some({a}) = {b} {{", "for {a} in {b}.iter() {{", "match {a} {{", "if {a}.is_empty() {{"),
    close="}", type_open=("pub struct {t} {{", "impl {t} {{"), fields=("pub {a}: {t},", "{a}: u64,"),
    case="snake", dirs=("src",), aliases=("rust",),
))
_add(Language(
    key="kt", name="Kotlin", ext=".kt", comment="//", indent="    ",
    header=("package com.{p}.{s}", "", "import kotlinx.coroutines.flow.Flow"),
    func_open=("fun {f}({a}: {t}, {b}: Int): {t} {{", "suspend fun {f}({a}: String): List<{t}> {{"),
    stmts=("val {a} = {b}.{f}({c})", "{a}.add({b})", "return {a}", "log.info(\"{s} ${a}\")", "var {a} = {n}"),
    blocks=("if ({a} == null) {{", "for ({a} in {b}) {{", "when ({a}) {{"),
    close="}", type_open=("class {t}(val {a}: {t}) {{", "class {t} : {t}() {{"), fields=("val {a}: {t},", "var {a}: Int = {n},"),
    case="camel", dirs=("src/main/kotlin",), aliases=("kotlin",),
))
_add(Language(
    key="php", name="PHP", ext=".php", comment="//", indent="    ",
    header=("<?php", "", "namespace App\\{t};", "", "use App\\{t}\\{t};"),
    func_open=("public function {f}({t} ${a}, int ${b}): {t}", "private static function {f}(array ${a}): array"),
    stmts=("${a} = $this->{b}->{f}(${c});", "${a}[] = ${b};", "return ${a};", "$this->logger->info('{s}', [${a}]);"),
    blocks=("if (${a} === null) {{", "foreach (${b} as ${a}) {{"),
    close="}", type_open=("final class {t} extends {t}",), fields=("private {t} ${a};",),
    case="camel", dirs=("src", "app"), aliases=("php",),
))
_add(Language(
    key="sh", name="Shell", ext=".sh", comment="#", indent="  ",
    header=("#!/usr/bin/env bash", "set -euo pipefail"),
    func_open=("{f}() {{",),
    stmts=('local {a}="${b}"', 'echo "{s}: ${a}"', '{a}=$(git rev-parse {b})', 'export {a}={n}', 'return 0'),
    blocks=('if [[ -z "${a}" ]]; then', 'if [[ "${a}" -gt {n} ]]; then'),
    close="fi", func_close="}", case="snake", dirs=("scripts",), aliases=("shell", "bash"),
))

ALIASES: dict[str, str] = {}
for _lang in LANGUAGES.values():
    ALIASES[_lang.key] = _lang.key
    ALIASES[_lang.name.lower()] = _lang.key
    for _alias in _lang.aliases:
        ALIASES[_alias] = _lang.key


def resolve(name: str) -> str | None:
    """The language key for a user's spelling (go, Go, golang, typescript, ts, C++ ...), or None."""
    return ALIASES.get(name.strip().lower())


WORDS = (
    "account", "action", "adapter", "address", "agent", "alert", "allocation", "archive", "asset", "audit", "auth",
    "backend", "balance", "batch", "billing", "block", "bucket", "buffer", "build", "bundle", "cache", "calendar",
    "candidate", "carrier", "catalog", "channel", "checkout", "client", "cluster", "codec", "collector", "commit",
    "config", "connection", "consumer", "container", "context", "contract", "controller", "counter", "credential",
    "cursor", "customer", "dashboard", "decoder", "delivery", "dependency", "deploy", "device", "digest", "dispatch",
    "document", "domain", "driver", "encoder", "endpoint", "entry", "event", "export", "feature", "fetch", "field",
    "filter", "flag", "fleet", "flow", "format", "freight", "gateway", "graph", "group", "handler", "header", "health",
    "history", "host", "identity", "import", "index", "inventory", "invoice", "item", "job", "journal", "kernel", "key",
    "label", "layer", "ledger", "limit", "listener", "loader", "locale", "location", "lock", "manifest", "mapper",
    "marker", "matcher", "member", "message", "metric", "migration", "mode", "model", "monitor", "node", "notice",
    "offset", "option", "order", "origin", "owner", "package", "page", "parcel", "parser", "partner", "patch", "payload",
    "payment", "peer", "permission", "pipeline", "plan", "policy", "pool", "port", "price", "printer", "priority",
    "process", "profile", "project", "provider", "proxy", "publisher", "query", "queue", "quota", "range", "rate",
    "reader", "record", "region", "registry", "release", "report", "request", "resolver", "resource", "response",
    "result", "retry", "revision", "role", "route", "rule", "runner", "schedule", "schema", "scope", "search", "secret",
    "segment", "selector", "sender", "sequence", "server", "service", "session", "settings", "shipment", "signal",
    "snapshot", "source", "span", "state", "status", "storage", "store", "stream", "subscriber", "summary", "supplier",
    "table", "task", "template", "tenant", "ticket", "timer", "token", "topic", "tracker", "transaction", "transfer",
    "transport", "tree", "trigger", "upload", "usage", "user", "validator", "value", "vehicle", "vendor", "version",
    "view", "volume", "warehouse", "watcher", "window", "worker", "writer", "zone",
)
VERBS = (
    "add", "apply", "build", "check", "clear", "close", "compute", "convert", "create", "decode", "delete", "emit",
    "encode", "ensure", "fetch", "find", "flush", "format", "get", "handle", "init", "insert", "list", "load", "lookup",
    "make", "merge", "normalize", "open", "parse", "process", "publish", "put", "read", "refresh", "register", "release",
    "remove", "render", "reset", "resolve", "run", "save", "scan", "send", "set", "sort", "split", "start", "stop",
    "sync", "update", "validate", "verify", "wait", "write",
)
