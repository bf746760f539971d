"""Documentation: the README is a front page, the manual's generated pages match the code,
and no hand-drawn flow diagram is left to disagree with sim/model/pathways.py."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from conftest import ROOT

from sim.cli import main as cli_main
from sim.model import registry
from sim.outputs import docs

DOCS = ROOT / "docs"


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def test_generated_pages_are_current(tmp_path: Path) -> None:
    """Regenerate every page into a temporary folder and compare with the committed one."""
    written = docs.write(tmp_path)
    assert [p.name for p in written] == list(docs.PAGES)
    stale = [p.name for p in written if p.read_text() != (DOCS / p.name).read_text()]
    assert stale == [], f"stale: {stale}; regenerate with: make docs"


def test_check_mode_names_a_stale_page(tmp_path: Path) -> None:
    docs.write(tmp_path)
    assert cli_main(["docs", str(tmp_path), "--check"]) == 0
    page = tmp_path / "kpis.md"
    page.write_text(page.read_text().replace("| `ed_4h_pct` |", "| `ed_4h_percent` |"))
    assert docs.stale(tmp_path) == ["kpis.md"]
    assert cli_main(["docs", str(tmp_path), "--check"]) == 1


def test_readme_is_a_front_page_starting_with_the_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    first_block = readme.split("```")[1]
    assert all(f"make {c}" in first_block for c in ("run", "test", "app"))


def test_readme_links_reach_pages_that_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    local = [t for t in targets if not t.startswith("http")]
    assert local and all((ROOT / t).is_file() for t in local), local
    nav_pages = set(re.findall(r":\s*([\w-]+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), re.M))
    assert {Path(t).name for t in local if t.startswith("docs/")} <= nav_pages


def test_every_page_is_in_the_nav_and_every_nav_entry_exists() -> None:
    """mkdocs --strict says so too (make test); this keeps pytest alone honest."""
    text = (ROOT / "mkdocs.yml").read_text().replace("!!python/name:", "")
    nav = yaml.safe_load(text)["nav"]

    def pages(items: list) -> list[str]:
        out = []
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            out += pages(value) if isinstance(value, list) else [value]
        return out

    listed = pages(nav)
    on_disk = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert sorted(listed) == on_disk
    assert set(docs.PAGES) <= set(listed)


def test_the_flow_diagram_is_the_link_list() -> None:
    """Every edge of docs/flow.md is a Link of the registry and every Link is an edge."""
    text = (DOCS / "flow.md").read_text()
    edges = re.findall(r"^\s+(\w+) -->\|\"([^\"]+)\"\| (\w+)$", text, re.M)
    drawn = sorted((a, label, b) for a, label, b in edges)
    expected = sorted((k.needer, k.need if k.need == k.offer else f"{k.need} → {k.offer}",
                       k.offerer) for k in registry.links())
    assert drawn == expected
    nodes = re.findall(r"^\s+(\w+)\[\"", text, re.M)
    assert nodes == list(registry.REGISTRY)


def test_no_hand_drawn_flow_diagram_remains() -> None:
    """Flow diagrams are generated (docs/flow.md, docs/model.md): a Mermaid block anywhere
    else, or an ASCII tree of arrows like the README's old ones, is hand-drawn."""
    generated = {DOCS / name for name in docs.PAGES}
    found = []
    for path in _markdown_files():
        blocks = re.findall(r"```(\w*)\n(.*?)```", path.read_text(), re.S)
        for lang, body in blocks:
            if lang == "mermaid" and path not in generated:
                found.append(f"{path.name}: a Mermaid diagram")
            if re.search(r"^\s*\|--", body, re.M) or (body.count(" -> ") >= 4 and lang != "sh"):
                found.append(f"{path.name}: an ASCII flow diagram")
    assert found == []


def test_model_documentation_draws_the_switched_on_services() -> None:
    from sim.outputs.describe import describe
    from sim.scenario import load_scenario

    path = ROOT / "scenarios" / "baseline.toml"
    text = describe(load_scenario(path, ["ucr.enabled=false"]), path)
    logic = text.split("## 2. Logic")[1].split("### ")[0]
    assert "```mermaid" in logic and "acute -->" in logic
    assert "ucr" not in logic


def test_model_documentation_covers_every_parameter_with_a_source() -> None:
    text = (DOCS / "model.md").read_text()
    rows = [r for r in text.splitlines() if r.startswith("| `") and r.count("|") == 4]
    params = [r for r in rows if not r.split("|")[1].strip("` ").endswith(
        ("enabled", "description", "acute_first", "order", "currency", "price_year"))
        and "." in r.split("|")[1]]
    assert params and all(r.rstrip().rstrip("|").strip().split("|")[-1].strip()
                          for r in params)
