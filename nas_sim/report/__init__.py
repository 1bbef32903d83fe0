"""Reports of experiment suites: anytime plots, final-value tables, ranks, Wilcoxon tests, LCE
comparisons and surrogate learning curves, as one self-contained HTML page and JSON.

>>> from nas_sim.report import build_report, render_html
>>> report = build_report("runs/x11_mnist1d")
>>> Path("report.html").write_text(render_html(report))
"""

from __future__ import annotations

from nas_sim.report.build import Report, build_report
from nas_sim.report.html import render_html

__all__ = ["Report", "build_report", "render_html"]
