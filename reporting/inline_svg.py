"""pygal charts as static inline SVG for the self-contained HTML reports (month-end, daily):
no JavaScript, nothing fetched, so a page can be mailed or opened offline as it is."""

from __future__ import annotations

import re

from pygal.graph.graph import Graph

_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def static_svg(chart: Graph) -> str:
    """The chart's SVG without scripts. Build charts with `js=[]` and
    `disable_xml_declaration=True`: pygal still writes its config as an inline script for its
    tooltip JS, which does nothing without that JS, so it is removed here."""
    svg: str = chart.render(is_unicode=True)
    return _SCRIPT.sub("", svg)
