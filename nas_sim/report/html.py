"""Render a :class:`~nas_sim.report.build.Report` as one self-contained HTML page (figures inlined
as base64 PNG, no external files or scripts)."""

from __future__ import annotations

import base64
import html
import math
from typing import Any

from nas_sim.report.build import Report
from nas_sim.report.figures import METRIC_TITLES

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1, h2, h3 { font-weight: 600; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.85em; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: right; }
th { background: #f3f3f3; } td.l, th.l { text-align: left; }
td.best { font-weight: 700; } td.sig-better { background: #d8f0d8; }
td.sig-worse { background: #f6d6d6; } img { max-width: 100%; }
.note { color: #8a5a00; } pre { background: #f7f7f7; padding: .5em; overflow-x: auto; font-size: .8em; }
"""


def _e(x: Any) -> str:
    return html.escape(str(x))


def _num(x: float | None, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.{digits}g}"


def _img(report: Report, key: str, alt: str) -> str:
    b64 = base64.b64encode(report.figures[key]).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{b64}">'


def render_html(report: Report) -> str:
    d = report.data
    settings = d["settings"]
    out = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>nas-sim report: {_e(d['suite'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>nas-sim report: {_e(d['suite'])}</h1>",
        f"<p>{d['runs']['finished']} finished run(s), {d['runs']['failed']} failed, "
        f"{d['runs']['planned']} planned; {len(settings)} setting(s). Lower is better everywhere "
        "(test regret, or best validation error where the benchmark's optimum is unknown).</p>",
    ]
    out += [f"<p class='note'>{_e(n)}</p>" for n in d["notes"]]
    out.append(_final_table(d))
    for i, s in enumerate(settings):
        out.append(f"<h2>{_e(s['name'])}</h2>")
        out.append(_verdict(d, s["name"]))
        if f"anytime-{i}" in report.figures:
            out.append(_img(report, f"anytime-{i}", f"anytime {s['name']}"))
        if f"ranks-{i}" in report.figures:
            out.append(
                "<p>Critical-difference diagram: average rank over seeds (Friedman's test); "
                "optimizers closer than Nemenyi's critical difference are not significantly "
                "different.</p>"
            )
            out.append(_img(report, f"ranks-{i}", f"ranks {s['name']}"))
        out.append(_wilcoxon_matrix(s, d["wilcoxon"].get(s["name"], [])))
        lce_rows = d["lce"].get(s["name"], [])
        if lce_rows:
            out.append("<h3>LCE strategies</h3>")
            if f"lce-{i}" in report.figures:
                out.append(_img(report, f"lce-{i}", f"LCE {s['name']}"))
            out.append(_lce_table(lce_rows))
    if "learning-curves" in report.figures:  # only for a suite that ran on the surrogate
        out.append("<h2>Learning curves: true vs surrogate</h2>")
        out.append(
            "<p>Black: every stored training run of the architecture; blue: the surrogate's "
            "mean and 90 % band of its noisy curves (as NAS-Bench-x11, Figure 5.1).</p>"
        )
        out.append(_img(report, "learning-curves", "learning curves"))
    if d["failures"]:
        out.append(f"<h2>Failed runs ({len(d['failures'])})</h2>")
        for f in d["failures"][:50]:
            out.append(
                f"<details><summary>{_e(f['run_id'])}: {_e(f['error'])}</summary>"
                f"<pre>{_e(f['traceback'])}</pre></details>"
            )
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _final_table(d: dict[str, Any]) -> str:
    settings = [s["name"] for s in d["settings"]]
    metrics = {s["name"]: METRIC_TITLES[s["metric"]] for s in d["settings"]}
    ranks = d["average_rank"]
    labels = sorted(d["final"], key=lambda lab: (ranks.get(lab, math.inf), lab))
    best = d.get("significantly_best", {})
    rows = [
        "<h2>Final values and average ranks</h2>",
        "<p>Mean ± standard error over seeds (n) of the final value; ranks by mean per "
        "setting, averaged over settings. Bold: significantly better than every other optimizer "
        "of the setting (Wilcoxon signed-rank, Holm-corrected, α = 0.05).</p>"
        "<table><tr><th class='l'>optimizer</th>",
    ]
    rows += [f"<th>{_e(s)}<br><small>{_e(metrics[s])}</small></th>" for s in settings]
    rows.append("<th>avg. rank</th></tr>")
    for lab in labels:
        rows.append(f"<tr><td class='l'>{_e(lab)}</td>")
        for s in settings:
            c = d["final"][lab].get(s)
            if c is None:
                rows.append("<td>–</td>")
                continue
            cls = " class='best'" if best.get(s) == lab else ""
            se = c["std"] / math.sqrt(c["n"]) if c["n"] > 1 else 0.0
            rows.append(f"<td{cls}>{_num(c['mean'])} ± {_num(se, 2)} ({c['n']})</td>")
        rows.append(f"<td>{_num(ranks.get(lab), 3)}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _verdict(d: dict[str, Any], name: str) -> str:
    """In words: which optimizer, if any, is significantly better than all others."""
    best = d.get("significantly_best", {}).get(name)
    tests = d["wilcoxon"].get(name, [])
    n_sig = sum(1 for t in tests if t.get("p_holm") is not None and t["p_holm"] < d["alpha"])
    f = d.get("friedman", {}).get(name) or {}
    fried = (
        f" Friedman's test over all optimizers: p = {_num(f['p_value'], 3)}."
        if f.get("p_value") is not None
        else ""
    )
    if best is not None:
        head = f"<b>{_e(best)}</b> is significantly better than every other optimizer"
    else:
        head = "No optimizer is significantly better than all others"
    return (
        f"<p>{head} ({n_sig} of {len(tests)} pairwise differences are significant after "
        f"Holm's correction, α = {d['alpha']}).{fried}</p>"
    )


def _wilcoxon_matrix(setting: dict[str, Any], tests: list[dict[str, Any]]) -> str:
    labels = setting["labels"]
    if len(labels) < 2:
        return ""
    cell: dict[tuple[str, str], tuple[float | None, float]] = {}
    for t in tests:
        cell[(t["a"], t["b"])] = (t.get("p_holm"), t["median_diff"])
        cell[(t["b"], t["a"])] = (
            t.get("p_holm"),
            -t["median_diff"] if t["median_diff"] is not None else math.nan,
        )
    rows = [
        "<h3>Pairwise Wilcoxon signed-rank tests (paired by seed, Holm-corrected)</h3>",
        f"<p>Two-sided p-value of row vs column, adjusted by Holm's method over the "
        f"{len(tests)} pairs; green: the row is significantly better (adjusted p &lt; 0.05, "
        "lower median), red: significantly worse.</p>",
        "<table><tr><th class='l'></th>",
    ]
    rows += [f"<th>{_e(b)}</th>" for b in labels]
    rows.append("</tr>")
    for a in labels:
        rows.append(f"<tr><td class='l'>{_e(a)}</td>")
        for b in labels:
            if a == b:
                rows.append("<td></td>")
                continue
            p, diff = cell.get((a, b), (None, math.nan))
            cls = ""
            if p is not None and p < 0.05 and diff is not None and math.isfinite(diff):
                cls = " class='sig-better'" if diff < 0 else " class='sig-worse'"
            rows.append(f"<td{cls}>{_num(p, 2)}</td>")
        rows.append("</tr>")
    rows.append("</table>")
    return "".join(rows)


def _lce_table(rows: list[dict[str, Any]]) -> str:
    head = (
        "<table><tr><th class='l'>base</th><th class='l'>variant</th><th>final (mean ± s.e.)"
        "</th><th>vs base</th><th>p vs base<br><small>Wilcoxon, uncorrected</small></th><th>epochs trained</th><th>full trainings"
        "</th><th>runs started</th><th>n</th></tr>"
    )
    body = []
    for r in rows:
        vs = "" if r["vs_base_pct"] is None else f"{r['vs_base_pct']:+.1f} %"
        body.append(
            f"<tr><td class='l'>{_e(r['base'])}</td><td class='l'>{_e(r['label'])}</td>"
            f"<td>{_num(r['final_mean'])} ± {_num(r['final_se'], 2)}</td><td>{vs}</td>"
            f"<td>{_num(r['p_vs_base'], 2)}</td><td>{_num(r['epochs_trained'], 5)}</td>"
            f"<td>{_num(r['full_trainings'], 4)}</td><td>{_num(r['runs_started'], 4)}</td>"
            f"<td>{r['n']}</td></tr>"
        )
    return head + "".join(body) + "</table>"
