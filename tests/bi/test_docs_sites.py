"""The dbt docs and the Great Expectations Data Docs open from disk, with no network.

A real browser: Debian's chromium driven by Playwright (``executable_path``;
never Playwright's browser installer). Every request to a non-file URL is aborted, as
on an offline or locked-down machine. The sites are the ones a build of the
three bundled samples writes (the ``samples_warehouse`` fixture).

Two control tests open the pages as dbt and GX write them by default and show
the failures this fixes: dbt's plain index.html stays at "(loading)" because
Chromium refuses to fetch manifest.json over file://, and GX's index lists no
run because its table script comes from CDNs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from papertrend.settings import Settings

pytestmark = pytest.mark.slow

SAMPLE_DAYS = ["2025-07-01", "2025-07-02", "2025-07-03"]


class OfflinePage:
    """A fresh browser page that may load file:// URLs only; it records what it blocked."""

    def __init__(self, browser):
        self.blocked: list[str] = []
        self.context = browser.new_context()
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()

    def _route(self, route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def open(self, path: Path, fragment: str = "") -> str:
        """Open a file, let its scripts run, and return the text a user sees."""
        self.page.goto(path.resolve().as_uri() + fragment, wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return self.page.inner_text("body")


@pytest.fixture
def offline(browser):
    page = OfflinePage(browser)
    yield page
    page.context.close()


def squeezed(text: str) -> str:
    # dbt's sidebar splits names across elements to highlight search matches.
    return "".join(text.split())


def mart_models(docs_dir: Path) -> list[str]:
    manifest = json.loads((docs_dir / "manifest.json").read_text(encoding="utf-8"))
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "marts" in node["fqn"]
    )


# --- dbt docs ------------------------------------------------------------------------


def test_dbt_docs_show_the_models_from_disk(samples_warehouse: Settings, offline: OfflinePage):
    docs = samples_warehouse.dbt_docs_dir
    marts = mart_models(docs)
    assert "papers" in marts

    welcome = offline.open(docs / "index.html")
    assert "(loading)" not in welcome
    assert "papertrend" in welcome  # the project in the sidebar tree

    model_page = offline.open(docs / "index.html", "#!/model/model.papertrend.papers")
    assert "(loading)" not in model_page
    assert "One row per paper ever seen in a digest" in model_page  # the model's description
    assert "days_trending" in model_page  # its columns
    sidebar = squeezed(offline.page.inner_text(".menu"))
    for mart in marts:
        assert mart in sidebar, f"{mart} is not in the docs' model tree"


def test_control_dbt_s_plain_index_stays_loading_from_disk(
    samples_warehouse: Settings, offline: OfflinePage, tmp_path: Path
):
    """What docs/dbt/index.html was before --static: the page fetches manifest.json."""
    from dbt.task.docs import DOCS_INDEX_FILE_PATH

    site = tmp_path / "plain_dbt_docs"
    site.mkdir()
    shutil.copyfile(DOCS_INDEX_FILE_PATH, site / "index.html")
    for name in ("manifest.json", "catalog.json"):
        shutil.copyfile(samples_warehouse.dbt_docs_dir / name, site / name)

    assert "(loading)" in offline.open(site / "index.html")


# --- Great Expectations Data Docs ----------------------------------------------------


def test_data_docs_index_lists_every_validation_run_offline(
    samples_warehouse: Settings, offline: OfflinePage
):
    docs = samples_warehouse.gx_docs_dir
    text = offline.open(docs / "index.html")

    assert offline.blocked == [], "the index needs nothing from the network"
    rows = offline.page.locator("tbody tr")
    assert rows.count() == len(SAMPLE_DAYS)
    for day in SAMPLE_DAYS:
        row = rows.filter(has_text=f"digest_date={day}")
        assert row.count() == 1, f"digest_date={day} is not listed:\n{text}"
        assert "passed" in row.inner_text()

    # Each run links to GX's page for it, which is readable offline too.
    offline.page.get_by_role("link", name="digest_date=2025-07-01").click()
    offline.page.wait_for_load_state("load")
    result_page = offline.page.inner_text("body")
    assert offline.page.url.startswith(docs.resolve().as_uri() + "/validations/")
    assert "Expectation Validation Result" in result_page
    assert "digest_date=2025-07-01" in result_page


def test_control_gx_s_own_index_lists_nothing_offline(
    samples_warehouse: Settings, offline: OfflinePage
):
    """GX's index (kept as gx_index.html) renders its table with CDN scripts."""
    text = offline.open(samples_warehouse.gx_docs_dir / "gx_index.html")

    assert any(url.startswith("https://") for url in offline.blocked)
    for day in SAMPLE_DAYS:
        assert f"digest_date={day}" not in text
