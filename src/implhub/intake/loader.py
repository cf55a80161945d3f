"""Read a TDD from YAML or Markdown (YAML front matter + prose sections), validate it, and map
every problem to the file, line and field it comes from."""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from implhub.bounds import CONTROL_CHARS, check_text
from implhub.errors import ValidationError
from implhub.intake.roles import REQUIRED_INTERNAL, role_title
from implhub.intake.schema import TDD

#: Markdown section headings (case-insensitive) and where their prose goes in the design.
MD_SECTIONS: dict[str, tuple[str, str]] = {
    "context": ("context", "text"),
    "poc lessons learned": ("poc.lessons_learned", "list"),
    "how production differs from the poc": ("poc.production_differences", "list"),
    "risks": ("risks", "risks"),
    "other unique aspects": ("other_unique_aspects", "list"),
    "current usage and expansion": ("expansion.requirements", "text"),
}


@dataclass
class LoadedTDD:
    tdd: TDD
    design: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    source_format: str = "yaml"


def _loc_line(root: Any, loc: tuple[Any, ...]) -> int | None:
    """Best line (1-based) for a pydantic error location in a ruamel round-trip tree."""
    node = root
    line: int | None = None
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            try:
                line = node.lc.key(part)[0] + 1
            except (KeyError, TypeError):
                pass
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            try:
                line = node.lc.item(part)[0] + 1
            except (KeyError, TypeError):
                pass
            node = node[part]
        else:
            break
    return line


def _refuse_raw_controls(text: str, filename: str) -> None:
    """NUL and other control characters in the file itself (the YAML reader would fail on them
    without saying where; PostgreSQL cannot store a NUL)."""
    for number, line in enumerate(text.split("\n"), start=1):
        try:
            check_text(line.rstrip("\r"), field="document")
        except ValidationError as exc:
            raise ValidationError(exc.message.replace("position", "column"), file=filename, line=number,
                                  field=_field_at_line(text, number)) from None


def _field_at_line(text: str, number: int) -> str | None:
    """The key path written on a line (parsed with the control characters masked), if any."""
    masked = CONTROL_CHARS.sub("\ue000", text)
    if masked.lstrip().startswith("---\n") and "\n## " in masked:  # Markdown: the YAML front matter
        masked, offset, _ = split_markdown(masked)
        number -= offset - 1
    try:
        root = YAML(typ="rt").load(io.StringIO(masked))
    except Exception:  # noqa: BLE001 - only a hint for the message; the line number is given anyway
        return None
    return _path_on_line(root, number, ())


def _path_on_line(node: Any, number: int, loc: tuple[Any, ...]) -> str | None:
    items = node.items() if isinstance(node, CommentedMap) else enumerate(node) if isinstance(node, CommentedSeq) else ()
    for key, value in items:
        try:
            line = (node.lc.key(key) if isinstance(node, CommentedMap) else node.lc.item(key))[0] + 1
        except (KeyError, TypeError, AttributeError):
            line = None
        here = (*loc, key)
        if isinstance(value, str) and "\ue000" in value and (line is None or line <= number):
            return _dotted(here)
        if isinstance(value, (CommentedMap, CommentedSeq)):
            found = _path_on_line(value, number, here)
            if found:
                return found
    return None


def _control_problems(data: Any, root: Any, offset: int, filename: str,
                      loc: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    """Values (written with YAML escapes like "\\0") that hold control characters; line breaks
    are refused in one-line fields such as the customer's name (they break the calendar feed)."""
    found: list[tuple[tuple[Any, ...], str]] = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        here = (*loc, key)
        if isinstance(value, str):
            try:
                check_text(value, field=_dotted(here), single_line=_dotted(here) in SINGLE_LINE_FIELDS or _is_name(here))
            except ValidationError as exc:
                line = _loc_line(root, here)
                found.append((here, f"{filename}:{line + offset - 1 if line is not None else '?'}: {_dotted(here)}: {exc.message}"))
        elif isinstance(value, (dict, list)):
            found += _control_problems(value, root, offset, filename, here)
    return found


#: fields that are one line wherever they are shown (calendar feed, document titles, e-mail subjects)
SINGLE_LINE_FIELDS = {"customer.name", "customer.tier", "customer.country", "customer.subdivision", "customer.timezone",
                      "customer.crm_opportunity_url", "deployment.instance_url"}


def _is_name(loc: tuple[Any, ...]) -> bool:
    return bool(loc) and loc[-1] in ("name", "email", "url", "kind", "role", "side") or (len(loc) >= 2 and loc[-2] == "design_links")


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _unknown_keys(model: BaseModel, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str, list[str]]]:
    """Keys the schema does not know, with the known ones at that level (for a suggestion)."""
    found: list[tuple[tuple[Any, ...], str, list[str]]] = []
    known = list(type(model).model_fields)
    for key in (model.model_extra or {}):
        if not str(key).startswith("x_"):
            found.append((path + (key,), str(key), known))
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            found += _unknown_keys(value, path + (name,))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    found += _unknown_keys(item, path + (name, i))
    return found


def split_markdown(text: str) -> tuple[str, int, dict[str, tuple[int, str]]]:
    """Front matter YAML, the line it starts on, and the body's `## ` sections (line, text)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ValidationError("a Markdown TDD starts with YAML front matter between '---' lines", line=1)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ValidationError("the front matter has no closing '---' line", line=1) from None
    front = "\n".join(lines[1:end])
    sections: dict[str, tuple[int, str]] = {}
    current: str | None = None
    buf: list[str] = []
    start = 0
    for i in range(end + 1, len(lines)):
        m = re.match(r"^##\s+(.*?)\s*$", lines[i])
        if m:
            if current is not None:
                sections[current] = (start, "\n".join(buf).strip())
            current, buf, start = m.group(1).strip().lower(), [], i + 1
        elif current is not None:
            buf.append(lines[i])
    if current is not None:
        sections[current] = (start, "\n".join(buf).strip())
    return front, 2, sections


def _bullets(text: str) -> list[str]:
    items = [re.sub(r"^\s*[-*]\s+", "", ln).strip() for ln in text.splitlines() if re.match(r"^\s*[-*]\s+", ln)]
    if items:
        return items
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = data
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


def yaml_syntax_error(exc: MarkedYAMLError, *, filename: str, offset: int, text: str) -> ValidationError:
    """A YAML syntax error naming both lines: where the construct opened (a bracket, a quote, a
    block) and where the parser found it broken. The opening line leads: that is where the
    mistake usually is (`scale: [unclosed` is noticed only on the next line)."""
    problem = exc.problem_mark
    opened = exc.context_mark
    lines = text.splitlines()

    def quote(mark: Any) -> str:
        n = int(mark.line)
        return f" ({lines[n].strip()[:60]!r})" if 0 <= n < len(lines) and lines[n].strip() else ""

    what = str(exc.problem or exc)
    if opened is not None and problem is not None and opened.line != problem.line:
        context = re.sub(r"^while (parsing|scanning) (an? )?", "", str(exc.context or "construct"))
        return ValidationError(
            f"not valid YAML: the {context} opened on line {opened.line + offset}{quote(opened)} is broken on line "
            f"{problem.line + offset}{quote(problem)}: {what}", file=filename, line=opened.line + offset,
            details=[f"{filename}:{opened.line + offset}: the {context} opens here",
                     f"{filename}:{problem.line + offset}: {what}"])
    mark = problem or opened
    line = (mark.line + offset) if mark is not None else None
    return ValidationError(f"not valid YAML: {what}" + (quote(mark) if mark is not None else ""), file=filename, line=line)


def load_tdd_text(text: str, *, filename: str = "<tdd>") -> LoadedTDD:
    """Parse and validate. Raises ValidationError naming file, line and field; never partial."""
    _refuse_raw_controls(text, filename)
    is_md = filename.lower().endswith((".md", ".markdown")) or text.lstrip().startswith("---\n") and "\n## " in text
    sections: dict[str, tuple[int, str]] = {}
    offset = 1
    yaml_text = text
    if is_md:
        yaml_text, offset, sections = split_markdown(text)
    yaml = YAML(typ="rt")
    try:
        root = yaml.load(io.StringIO(yaml_text))
    except MarkedYAMLError as exc:
        raise yaml_syntax_error(exc, filename=filename, offset=offset, text=yaml_text) from None
    if not isinstance(root, dict):
        raise ValidationError("expected a mapping at the top of the document (customer:, scale:, ...)", file=filename, line=offset)
    data: dict[str, Any] = _plain(root)
    for heading, (_line, body) in sections.items():
        target = MD_SECTIONS.get(heading)
        if target is None or not body:
            continue
        path, kind = target
        if kind == "text":
            _set_path(data, path, body)
        elif kind == "list":
            existing = _get_path(data, path) or []
            _set_path(data, path, list(existing) + _bullets(body))
        elif kind == "risks":
            data.setdefault("risks", [])
            data["risks"] = list(data["risks"]) + [{"title": b} for b in _bullets(body)]
    controls = _control_problems(data, root, offset, filename)
    if controls:
        first_loc, first_problem = controls[0]
        line = _loc_line(root, first_loc)
        raise ValidationError(f"{len(controls)} field(s) with control characters in the design document", file=filename,
                              line=line + offset - 1 if line is not None else None, field=_dotted(first_loc),
                              details=[problem for _loc, problem in controls])
    try:
        tdd = TDD.model_validate(data)
    except PydanticError as exc:
        problems = []
        first_line = None
        first_field = None
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = _loc_line(root, loc)
            line = line + offset - 1 if line is not None else None
            where = _dotted(loc)
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                msg = "is required"
            elif err["type"] in ("enum", "literal_error") and "expected" in err.get("ctx", {}):
                msg = f"unknown value {err.get('input')!r}; expected {err['ctx']['expected']}"
            problems.append(f"{filename}:{line or '?'}: {where or '(document)'}: {msg}")
            if first_line is None:
                first_line, first_field = line, where
        raise ValidationError(
            f"{len(problems)} problem(s) in the design document",
            file=filename, line=first_line, field=first_field, details=problems,
        ) from None
    unknown = _unknown_keys(tdd)
    if unknown:
        problems = []
        for loc, key, known in unknown:
            line = _loc_line(root, loc)
            line = line + offset - 1 if line is not None else None
            hint = difflib.get_close_matches(key, known, n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else f"; known keys here: {', '.join(known)}"
            problems.append(f"{filename}:{line or '?'}: {_dotted(loc)}: unknown key{suggestion} (prefix your own keys with x_)")
        raise ValidationError(
            f"{len(problems)} unknown key(s) in the design document", file=filename,
            line=_loc_line(root, unknown[0][0]), field=_dotted(unknown[0][0]), details=problems,
        )
    return LoadedTDD(tdd=tdd, design=tdd.model_dump(mode="json"), warnings=design_warnings(tdd),
                     source_format="md" if is_md else "yaml")


def _get_path(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for p in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(p)
    return node


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def design_warnings(tdd: TDD) -> list[str]:
    """What is allowed but should stay visible until fixed."""
    warnings = []
    present = {s.role for s in tdd.stakeholders if s.side == "internal"}
    for code in REQUIRED_INTERNAL:
        if code not in present:
            warnings.append(f"missing internal stakeholder: {role_title(code)} ({code}); the process says all five internal roles must have access")
    if not any(e.kind == "prod" for e in tdd.environments):
        warnings.append("no production environment (kind: prod) in environments")
    if tdd.code_hosts and sum(h.repositories for h in tdd.code_hosts) not in (0, tdd.scale.repositories):
        warnings.append(
            f"code hosts list {sum(h.repositories for h in tdd.code_hosts):,} repositories, scale.repositories says {tdd.scale.repositories:,}"
        )
    if not tdd.code_hosts:
        warnings.append("no code hosts in scope")
    return warnings


def validate_design(design: dict[str, Any]) -> TDD:
    """Validate an already-parsed design (the web form and API use this)."""
    import json

    from ruamel.yaml import YAML as _Y

    buf = io.StringIO()
    _Y(typ="safe").dump(json.loads(json.dumps(design)), buf)
    return load_tdd_text(buf.getvalue(), filename="<design>").tdd
