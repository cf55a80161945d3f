from __future__ import annotations

import pytest

from implhub.errors import ValidationError
from implhub.intake.loader import load_tdd_text
from implhub.intake.roles import canonical_role
from implhub.intake.scale import DEFAULT_THRESHOLDS, assess, load_thresholds
from implhub.intake.template import template


def test_it_accepts_both_templates_with_no_warning() -> None:
    for fmt in ("yaml", "md"):
        loaded = load_tdd_text(template(fmt), filename=f"tdd.{fmt}")
        assert loaded.design["customer"]["name"] == "Example Corp"
        assert loaded.warnings == []
        assert loaded.source_format == fmt


def test_it_takes_prose_sections_from_markdown() -> None:
    loaded = load_tdd_text(template("md"), filename="tdd.md")
    assert loaded.design["poc"]["lessons_learned"] == ["What worked and what did not in the trial."]
    assert loaded.design["risks"][0]["title"] == "Image scanning may delay the install."
    assert loaded.design["context"].startswith("The customer's needs")


def test_it_names_file_line_and_field_of_a_negative_count() -> None:
    text = template("yaml").replace("  repositories: 5000\n", "  repositories: -5\n", 1)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("  repositories: -5"))
    with pytest.raises(ValidationError) as exc:
        load_tdd_text(text, filename="bad.yaml")
    assert exc.value.file == "bad.yaml"
    assert exc.value.line == line
    assert exc.value.field == "scale.repositories"
    assert "greater than or equal to 0" in exc.value.render()


def test_it_rejects_largest_repo_above_total() -> None:
    text = template("yaml").replace("largest_repo_size_gb: 12", "largest_repo_size_gb: 900")
    with pytest.raises(ValidationError) as exc:
        load_tdd_text(text, filename="bad.yaml")
    assert "largest_repo_size_gb (900) is larger than total_repo_size_gb (250)" in exc.value.render()


def test_it_rejects_an_unknown_enum_value_and_lists_the_allowed_ones() -> None:
    text = template("yaml").replace("cloud: aws", "cloud: aws-gov", 1)
    with pytest.raises(ValidationError) as exc:
        load_tdd_text(text, filename="bad.yaml")
    assert exc.value.field == "deployment.cloud"
    assert "'aws', 'gcp', 'azure', 'on-prem' or 'other'" in exc.value.render()


def test_it_reports_unknown_keys_with_a_suggestion() -> None:
    text = template("yaml").replace("  monorepos: 1", "  monorepo: 1")
    with pytest.raises(ValidationError) as exc:
        load_tdd_text(text, filename="bad.yaml")
    assert "scale.monorepo: unknown key; did you mean 'monorepos'?" in exc.value.render()


def test_it_keeps_x_prefixed_keys() -> None:
    text = template("yaml").replace("  monorepos: 1", "  monorepos: 1\n  x_notes: kept")
    loaded = load_tdd_text(text, filename="ok.yaml")
    assert loaded.design["scale"]["x_notes"] == "kept"


def test_it_warns_about_missing_internal_roles() -> None:
    text = "\n".join(ln for ln in template("yaml").splitlines() if "role: TAM" not in ln)
    loaded = load_tdd_text(text, filename="t.yaml")
    assert any("Technical Account Manager" in w and "(TAM)" in w for w in loaded.warnings)


def test_it_reports_invalid_yaml_with_its_line() -> None:
    with pytest.raises(ValidationError) as exc:
        load_tdd_text("customer:\n  name: [unclosed\nscale: {}\n", filename="broken.yaml")
    assert exc.value.file == "broken.yaml"
    assert exc.value.line is not None


def test_markdown_errors_point_at_the_line_in_the_whole_file() -> None:
    text = template("md").replace("  users: 1000\n", "  users: lots\n", 1)
    line = text.splitlines().index("  users: lots") + 1
    with pytest.raises(ValidationError) as exc:
        load_tdd_text(text, filename="tdd.md")
    assert exc.value.line == line
    assert exc.value.field == "scale.users"


@pytest.mark.parametrize("typed,code", [("TAM", "TAM"), ("CSM", "TAM"), ("Technical Account Manager", "TAM"),
                                        ("customer success manager", "TAM"), ("Implementation Engineer", "IE"),
                                        ("sourcegraph admin", "ADMIN"), ("Account Executive", "AE")])
def test_it_maps_role_aliases_to_one_code(typed: str, code: str) -> None:
    assert canonical_role(typed) == code


def test_exceptional_scale_names_each_reason() -> None:
    verdict = assess({"users": 12000, "repositories": 100, "largest_repo_size_gb": 1, "total_repo_size_gb": 5, "monorepos": 0})
    assert verdict.exceptional
    assert verdict.reasons == ["12,000 users (threshold 10,000)"]
    assert not assess({"users": 100, "repositories": 100, "largest_repo_size_gb": 1, "total_repo_size_gb": 5}).exceptional


def test_scale_thresholds_can_be_overridden(tmp_path) -> None:
    f = tmp_path / "t.yaml"
    f.write_text("users: 500\n")
    assert load_thresholds(f)["users"] == 500
    assert load_thresholds(f)["repositories"] == DEFAULT_THRESHOLDS["repositories"]
    f.write_text("seats: 500\n")
    with pytest.raises(ValidationError, match="unknown threshold 'seats'"):
        load_thresholds(f)


def test_a_yaml_syntax_error_names_where_the_construct_opened_and_where_it_broke() -> None:
    text = ("schema_version: 1\ncustomer:\n  name: Contoso Bank\n  country: US\nenvironments:\n"
            "  - {name: prod, kind: prod}\nscale: [unclosed\n  users: 300\n  repositories: 10\n")
    with pytest.raises(ValidationError) as exc:
        load_tdd_text(text, filename="contoso.yaml")
    message = exc.value.render()
    assert exc.value.line == 7  # where the bracket opened, not only where the parser noticed
    assert "line 7" in message and "line 8" in message and "[unclosed" in message
    assert "contoso.yaml:7" in message and "contoso.yaml:8" in message


def test_a_yaml_syntax_error_in_markdown_front_matter_counts_lines_of_the_whole_file() -> None:
    text = "---\nschema_version: 1\ncustomer: {name: \"Contoso\n  country: US\n---\n\n## Context\nA bank.\n"
    with pytest.raises(ValidationError) as exc:
        load_tdd_text(text, filename="contoso.md")
    assert exc.value.line == 3
