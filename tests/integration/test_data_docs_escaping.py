"""A dump carrying HTML is rejected by the gate and its values shown in the Data Docs as
text: no live tag, no event handler, no script of the dump's, in any generated page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from tests.conftest import FLAT_JSON_SAMPLE

PAPERTREND = Path(sys.executable).with_name("papertrend")
# Passes the parser (no control characters, a title of legal length) and fails the
# gate's title_not_page_header rule, so the title is one of the run's unexpected values.
HOSTILE_TITLE = (
    'Subscribe<img src=x onerror=alert(1)><script>alert(2)</script><a href="javascript:alert(3)">x</a>'
)


@dataclass
class Page(HTMLParser):
    """What a browser would build from a page: its elements and its text."""

    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    _in_script: bool = False

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def hostile_export(day: str, title: str | None) -> dict:
    export = json.loads(FLAT_JSON_SAMPLE.read_text(encoding="utf-8"))
    export["date"] = day
    if title:
        export["papers"][1]["title"] = title
    return export


def ingest(tmp_path: Path, exports: dict[str, dict]) -> tuple[Path, subprocess.CompletedProcess]:
    data_root = tmp_path / "data"
    dumps = []
    for name, export in exports.items():
        dump = tmp_path / name
        dump.write_text(json.dumps(export), encoding="utf-8")
        dumps.append(str(dump))
    env = {**os.environ, "PAPERTREND_DATA_DIR": str(data_root)}
    ran = subprocess.run(
        [str(PAPERTREND), "ingest", *dumps], env=env, capture_output=True, text=True, timeout=600
    )
    return data_root, ran


def assert_no_live_markup_from_the_dump(docs: Path) -> list[Path]:
    """Every page of the site; returns the validation pages that show the title as text."""
    pages = sorted(docs.rglob("*.html"))
    assert pages
    showing_the_title = []
    for path in pages:
        page = parse(path)
        where = path.relative_to(docs)
        for tag, attrs in page.tags:
            # GX's own pages have onclick handlers of their own; none may carry the dump's.
            handlers = {name: value for name, value in attrs.items() if name.startswith("on")}
            assert "onerror" not in handlers, f"{where}: <{tag} {attrs}>"
            assert not any("alert(" in str(value) for value in handlers.values()), f"{where}: <{tag} {attrs}>"
            assert not (tag == "img" and attrs.get("src") == "x"), f"{where}: the dump's <img>"
            assert not str(attrs.get("href", "")).startswith("javascript:"), f"{where}: <{tag} {attrs}>"
        assert not [script for script in page.scripts if "alert(" in script], f"{where}: the dump's script"
        if HOSTILE_TITLE in "".join(page.text):
            showing_the_title.append(path)
    return showing_the_title


def test_a_rejected_dump_s_html_is_text_in_the_data_docs(tmp_path):
    exports = {"2025-07-03_mirror.json": hostile_export("2025-07-03", HOSTILE_TITLE)}
    data_root, ran = ingest(tmp_path, exports)

    assert ran.returncode == 1 and "title_not_page_header" in ran.stdout, ran.stdout + ran.stderr
    docs = data_root / "docs" / "great_expectations"
    showing = assert_no_live_markup_from_the_dump(docs)
    # Still shown, as the offending value it is, on the run's page.
    assert [path.relative_to(docs).parts[0] for path in showing] == ["validations"]
    # The quarantined result keeps the value as found (JSON is not HTML).
    [result_file] = (data_root / "quarantine").glob("*/validation_result.json")
    assert HOSTILE_TITLE in strings_in(json.loads(result_file.read_text(encoding="utf-8")))


def strings_in(value) -> set[str]:
    if isinstance(value, str):
        return {value}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return set().union(*(strings_in(item) for item in items)) if items else set()
