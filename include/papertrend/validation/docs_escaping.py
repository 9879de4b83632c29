"""Data Docs validation pages that show offending values as text, never as markup.

GX 1.x puts the values a validation found (the unexpected values table, the
rows named by the unexpected index list, an exception's message) into its
pages as they are: a dump whose title is ``<img src=x onerror=alert(1)>``
became a live tag, a stored script in the docs site, as soon as the gate
rejected it. GX escapes only the parameters of its styled string templates,
which come from the suite, not from the data.

The site's validations section is rendered by ``EscapingValidationResultsPageRenderer``
(configured in ``include/gx/great_expectations.yml``): it renders a copy of the
result whose data-derived strings are HTML-escaped. The stored result, the
quarantine's ``validation_result.json`` and the failure summary keep the
values as found.
"""

from __future__ import annotations

import copy
import html
from typing import Any

from great_expectations.render.renderer import ValidationResultsPageRenderer


class EscapingValidationResultsPageRenderer(ValidationResultsPageRenderer):
    def render(self, validation_results: Any, suite_parameters: Any = None) -> Any:
        return super().render(escaped_for_html(validation_results), suite_parameters)


def escaped_for_html(validation_results: Any) -> Any:
    """A copy of a suite validation result with every value taken from the data escaped:
    each expectation's ``result`` (unexpected values, counts, index lists, the
    observed value) and ``exception_info`` (messages quote values too)."""
    escaped = copy.deepcopy(validation_results)
    for result in escaped.results:
        result.result = _escape(result.result)
        if result.exception_info:
            result.exception_info = _escape(result.exception_info)
    return escaped


def _escape(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, dict):
        # Keys are column and field names the suite chose; only the values come from data.
        return {key: _escape(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_escape(item) for item in value)
    return value
