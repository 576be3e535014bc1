"""The mutation report: `reports/mutation.md`, `.json` and `.html` (with an inline SVG chart).

Per target of `[tool.harness.mutants]`, side by side: the figures published before (when
configured), then each suite in the configured order (ours: the hand-written baseline, "before",
and the harness plugin suite, "after"): tests, mutants, killed, survived, timed out, skipped,
the score among the mutants the filters kept and among all of them, and the share the filters
skipped. Then every survivor with its file, line, function, zone and diff, declared equivalent
mutants with their reason, and how the fast runner reached its verdicts. The same run also
gives `mutation-elements.json`, the standard report (`elements`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import Environment

from harness.mutation import elements
from harness.mutation.model import (
    SKIPPED,
    SURVIVED,
    Mutant,
    RunReport,
    ServiceResult,
    SuiteResult,
)

MAX_SKIP_SHARE = 0.25  # filters may skip at most a quarter of a service's mutants


def without_timings(text: str) -> str:
    """A written report (any of the formats) with its timings blanked: the only place where two
    reports of the same verdicts differ, e.g. one run's and its merged shards'."""
    text = re.sub(r"\d+s in all", "Ns in all", text)
    text = re.sub(r"\| (fast|plain) \| \d+ \|", r"| \1 | N |", text)
    return re.sub(r'"seconds": [\d.]+', '"seconds": N', text)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _mutant(m: Mutant) -> dict[str, Any]:
    return {
        "id": m.id,
        "file": m.file,
        "line": m.line_no,
        "scope": m.scope,
        "zone": m.zone,
        "status": m.status,
        "original": m.line.strip(),
        "mutated": m.mutated_line.strip(),
        "diff": m.diff,
        "equivalent": m.equivalent,
    }


def suite_dict(result: SuiteResult) -> dict[str, Any]:
    return {
        "title": result.heading,
        "gate": result.gate,
        "paths": list(result.paths),
        "runner": result.runner,
        "seconds": round(result.seconds, 1),
        "error": result.error,
        "tests": result.tests,
        "mutants": result.total,
        "kept": result.kept,
        "killed": result.killed,
        "survived": result.survived,
        "timed_out": result.timed_out,
        "skipped": result.skipped,
        "untested": result.untested,
        "equivalent": result.equivalent,
        "skip_share": result.skip_share,
        "score": result.score,
        "score_unfiltered": result.score_unfiltered,
        "score_non_equivalent": result.score_non_equivalent,
        "skipped_by_rule": dict(result.skipped_by_rule()),
        # Sorted: counted in the order the mutants ran, which merged shards do not share.
        "decisions": dict(sorted(result.decisions.items())),
        "survivors": [_mutant(m) for m in result.survivors()],
        "timeouts": [_mutant(m) for m in result.timeouts()],
        "survivors_by_function": dict(
            Counter(m.scope for m in result.survivors()).most_common()
        ),
    }


def as_dict(report: RunReport) -> dict[str, Any]:
    verification = None
    if report.verification is not None:
        verification = {
            "checked": len(report.verification.checked),
            "identical": len(report.verification.checked)
            - len(report.verification.mismatches),
            "mismatches": [
                {
                    "service": s,
                    "suite": suite,
                    "mutant": i,
                    "fast": fast,
                    "plain": plain,
                }
                for s, suite, i, fast, plain in report.verification.mismatches
            ],
        }
    return {
        "tool": "harness mutants",
        "mutmut": report.mutmut_version,
        "runner": report.runner,
        "jobs": report.jobs,
        "seconds": round(report.seconds, 1),
        "sample": report.sample,
        "max_skip_share": MAX_SKIP_SHARE,
        "verification": verification,
        "services": [
            {
                "service": service.name,
                "files": list(service.files),
                "published": None
                if service.published is None
                else {
                    "tests": service.published.tests,
                    "mutants": service.published.mutants,
                    "killed": service.published.killed,
                    "score": service.published.score,
                },
                "suites": {
                    name: suite_dict(result) for name, result in service.suites.items()
                },
            }
            for service in report.services
        ],
    }


# --- markdown ---------------------------------------------------------------------------------


def markdown(report: RunReport) -> str:
    out: list[str] = ["# Mutation testing report", ""]
    out += [_run_line(report), ""]
    if report.sample is not None:
        out += [
            (
                f"**Smoke run**: {report.sample} mutant(s) per suite, spread over each file; the scores "
                "below describe that sample only, not the services."
            ),
            "",
        ]
    out += ["## Before and after", ""]
    out += [
        (
            "| service | suite | tests | mutants | killed | survived | timed out | skipped (share) | "
            "score, kept mutants | score, all mutants |"
        ),
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for service in report.services:
        published = service.published
        if published is not None:
            out.append(
                f"| {service.name} | published before | {published.tests} | {published.mutants} | "
                f"{published.killed} | | | | | {_percent(published.score)} |"
            )
        for result in service.suites.values():
            title = result.heading
            if result.error:
                out.append(
                    f"| {service.name} | {title} | | | | | | | failed: see below | |"
                )
                continue
            out.append(
                f"| {service.name} | {title} | {result.tests} | {result.total} | {result.killed} | "
                f"{result.survived}{_equivalent_note(result)} | {result.timed_out} | "
                f"{result.skipped} ({_percent(result.skip_share)}) | {_percent(result.score)} | "
                f"{_percent(result.score_unfiltered)} |"
            )
    out += [
        "",
        (
            "*Score, kept mutants*: killed or timed out among the mutants the filters kept. "
            "*Score, all mutants*: the same count over every mutant mutmut made, skipped ones counted "
            "as not killed (the figure comparable with the published one, which had no filters). "
            f"The filters may skip at most {MAX_SKIP_SHARE:.0%} of a service's mutants."
        ),
        "",
    ]
    out += _findings(report)
    out += _by_function(report)
    out += _filters_section(report)
    out += _runner_section(report)
    for service in report.services:
        out += _survivors_section(service)
    errors = [
        (s.name, n, r.error)
        for s in report.services
        for n, r in s.suites.items()
        if r.error
    ]
    if errors:
        out += ["## Failed runs", ""]
        for service_name, suite, error in errors:
            out += [f"### {service_name} / {suite}", "", "```", error or "", "```", ""]
    return "\n".join(out).rstrip() + "\n"


def _run_line(report: RunReport) -> str:
    runner = (
        "fast (warm server, one fork per mutant, tests chosen by coverage)"
        if report.runner == "fast"
        else "plain (a new pytest process per mutant)"
    )
    if report.runner not in ("fast", "plain"):
        runner = report.runner
    since = (
        f" Only the mutants on lines changed since `{report.since}`."
        if report.since
        else ""
    )
    return (
        f"mutmut {report.mutmut_version}, runner: {runner}, {report.jobs} job(s) at a time, "
        f"{report.seconds:.0f}s in all.{since}"
    )


def _equivalent_note(result: SuiteResult) -> str:
    return f" ({result.equivalent} equivalent)" if result.equivalent else ""


def _findings(report: RunReport) -> list[str]:
    out = ["## What the numbers say", ""]
    for service in report.services:
        parts = []
        for result in service.suites.values():
            if result.error or not result.total:
                continue
            if not result.gate:  # a suite measured for comparison: where it falls short
                published = service.published
                text = f"the {result.suite} suite kills {_percent(result.score_unfiltered)} of all {result.total} mutants"
                if published is not None:
                    text += f" (published: {_percent(published.score)} of {published.mutants})"
                parts.append(text)
                top = Counter(m.scope for m in result.survivors()).most_common(3)
                if top:
                    listed = ", ".join(f"{scope} {count}" for scope, count in top)
                    parts.append(f"its survivors sit mostly in: {listed}")
                continue
            unexplained = result.survived - result.equivalent
            parts.append(
                f"the {result.suite} suite kills {_percent(result.score)} of the {result.kept} mutants the filters kept "
                f"({_percent(result.score_unfiltered)} of all), "
                + (
                    "every survivor left is a declared equivalent mutant"
                    if unexplained == 0
                    else f"{unexplained} survivor(s) not declared equivalent"
                )
            )
            if result.skip_share is not None and result.skip_share > MAX_SKIP_SHARE:
                parts.append(
                    f"the filters skipped {_percent(result.skip_share)}, more than allowed"
                )
        if parts:
            out.append(f"- **{service.name}**: " + "; ".join(parts) + ".")
    out.append("")
    return out


def _suite_names(report: RunReport) -> list[str]:
    names: list[str] = []
    for service in report.services:
        names += [n for n in service.suites if n not in names]
    return names


def _by_function(report: RunReport) -> list[str]:
    """Kept mutants and kills per function: where each suite reaches, side by side."""
    names = _suite_names(report)
    out = [
        "## Where each suite kills, by function",
        "",
        "| service | function | kept mutants | "
        + " | ".join(f"killed by {n}" for n in names)
        + " |",
        "|---|---|---:|" + "---:|" * len(names),
    ]
    for service in report.services:
        per_scope: dict[str, Counter[str]] = {}
        for name, result in service.suites.items():
            if result.error:
                continue
            for mutant in result.mutants:
                if mutant.status == SKIPPED:
                    continue
                counts = per_scope.setdefault(mutant.scope, Counter())
                if name == next(iter(service.suites)):
                    counts["kept"] += 1
                counts[name] += mutant.detected
        ordered = sorted(
            per_scope.items(), key=lambda item: (-item[1]["kept"], item[0])
        )
        for scope, counts in ordered:
            cells = [str(counts[n]) if n in service.suites else "n/a" for n in names]
            out.append(
                f"| {service.name} | `{scope}` | {counts['kept']} | "
                + " | ".join(cells)
                + " |"
            )
    out.append("")
    return out


def _filters_section(report: RunReport) -> list[str]:
    out = [
        "## What the filters skipped",
        "",
        "| service | suite | skipped | share | by rule |",
        "|---|---|---:|---:|---|",
    ]
    for service in report.services:
        for name, result in service.suites.items():
            if result.error:
                continue
            rules = ", ".join(
                f"{rule} {count}"
                for rule, count in result.skipped_by_rule().most_common()
            )
            out.append(
                f"| {service.name} | {name} | {result.skipped} | {_percent(result.skip_share)} | {rules} |"
            )
    out += [
        "",
        "Rules are in `mutmut_config.py` and `harness/mutation/filters.py`.",
        "",
    ]
    return out


def _runner_section(report: RunReport) -> list[str]:
    out = ["## How verdicts were reached", ""]
    rows = [
        (service.name, name, result)
        for service in report.services
        for name, result in service.suites.items()
        if result.decisions
    ]
    if rows:
        out += [
            "| service | suite | runner | seconds | decisions |",
            "|---|---|---|---:|---|",
        ]
        for service_name, name, result in rows:
            decisions = ", ".join(
                f"{k}: {v}" for k, v in sorted(result.decisions.items())
            )
            out.append(
                f"| {service_name} | {name} | {result.runner} | {result.seconds:.0f} | {decisions} |"
            )
        out += [
            "",
            (
                "*none*: no test runs the mutated line, so no test outcome can change: survived without "
                "running. *tests*: only the tests covering the line ran; a pass was confirmed by the full "
                "suite. *full*: the line runs at import or outside a test, so the whole suite ran (after "
                "the tests using what the line defines, as a quick first try)."
            ),
            "",
            (
                "Both runners count any failing pytest exit as a kill (mutmut alone counts only "
                "exit 1, so a mutant that breaks the service's import in a conftest, exit 4, or "
                "in a test module, exit 2, would pass for a survivor), and both time a mutant out "
                "after 10 times the plain runner's run of the intact suite."
            ),
            "",
        ]
    verification = report.verification
    if verification is not None and verification.checked:
        mismatches = verification.mismatches
        if not mismatches:
            out.append(
                f"Checked against plain mutmut: {len(verification.checked)} mutants re-run with a fresh "
                "pytest process each; every verdict identical."
            )
        else:
            out.append(
                f"Checked against plain mutmut: {len(mismatches)} of {len(verification.checked)} verdicts differ:"
            )
            out += [
                f"- {s}/{suite} mutant {i}: fast {fast}, plain {plain}"
                for s, suite, i, fast, plain in mismatches
            ]
        out.append("")
    return out


def _gating_first(suites: dict[str, SuiteResult]) -> list[tuple[str, SuiteResult]]:
    return sorted(suites.items(), key=lambda item: not item[1].gate)


def _survivors_section(service: ServiceResult) -> list[str]:
    out: list[str] = []
    # The gating suites in full first, then those measured for comparison, folded.
    for name, result in _gating_first(service.suites):
        if result.error:
            continue
        left = result.survivors() + result.timeouts()
        if not left:
            continue
        out += [f"## {service.name}: what survives the {name} suite ({len(left)})", ""]
        body: list[str] = []
        for mutant in left:
            where = f"`{mutant.file}:{mutant.line_no}` in `{mutant.scope}`"
            if mutant.zone:
                where += f", zone *{mutant.zone}*"
            status = "survived" if mutant.status == SURVIVED else "timed out"
            body.append(f"- mutant {mutant.id}, {status}, {where}")
            if mutant.equivalent:
                body.append(f"  - **equivalent**: {mutant.equivalent}")
            if mutant.diff:
                body += [
                    "",
                    "  ```diff",
                    *("  " + line for line in mutant.diff.rstrip("\n").splitlines()),
                    "  ```",
                    "",
                ]
        if not result.gate:
            by_scope = Counter(m.scope for m in left).most_common()
            out.append(
                "By function: "
                + ", ".join(f"{scope} {count}" for scope, count in by_scope)
                + "."
            )
            out += [
                "",
                "<details><summary>every survivor</summary>",
                "",
                *body,
                "",
                "</details>",
                "",
            ]
        else:
            out += [*body, ""]
    return out


# --- HTML ---------------------------------------------------------------------------------------

_COLOURS = {
    "killed": "#2e7d32",
    "timed out": "#ef6c00",
    "survived": "#c62828",
    "skipped": "#9e9e9e",
}

_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mutation testing report</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
tr.published td { color: #555; font-style: italic; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; }
.legend span { display: inline-block; width: .9em; height: .9em; margin: 0 .3em 0 1em; vertical-align: middle; }
.warn { color: #c62828; }
</style></head><body>
<h1>Mutation testing report</h1>
<p>{{ run_line }}</p>
{% if sample is not none %}<p class="warn"><b>Smoke run</b>: {{ sample }} mutant(s) per suite; the scores describe that sample only.</p>{% endif %}
<h2>Before and after</h2>
{{ chart | safe }}
<p class="legend">{% for name, colour in colours.items() %}<span style="background: {{ colour }}"></span>{{ name }}{% endfor %}
<span style="background: #000; width: 2px"></span>published score</p>
<table>
<tr><th>service</th><th>suite</th><th>tests</th><th>mutants</th><th>killed</th><th>survived</th><th>timed out</th><th>skipped (share)</th><th>score, kept</th><th>score, all</th></tr>
{% for service in services %}
{% if service.published %}<tr class="published"><td>{{ service.service }}</td><td class="text">published before</td><td>{{ service.published.tests }}</td><td>{{ service.published.mutants }}</td><td>{{ service.published.killed }}</td><td></td><td></td><td></td><td></td><td>{{ percent(service.published.score) }}</td></tr>{% endif %}
{% for name, suite in service.suites.items() %}
<tr><td>{{ service.service }}</td><td class="text">{{ suite.title or name }}</td>
{% if suite.error %}<td colspan="8" class="text warn">failed: {{ suite.error.splitlines()[0] }}</td>{% else %}
<td>{{ suite.tests }}</td><td>{{ suite.mutants }}</td><td>{{ suite.killed }}</td><td>{{ suite.survived }}{% if suite.equivalent %} ({{ suite.equivalent }} equivalent){% endif %}</td><td>{{ suite.timed_out }}</td>
<td>{{ suite.skipped }} ({{ percent(suite.skip_share) }})</td><td>{{ percent(suite.score) }}</td><td>{{ percent(suite.score_unfiltered) }}</td>{% endif %}</tr>
{% endfor %}{% endfor %}
</table>
<p><i>Score, kept</i>: killed or timed out among the mutants the filters kept. <i>Score, all</i>: the same over every mutant, skipped ones counted as not killed.
The filters may skip at most {{ percent(max_skip_share) }} of a service's mutants.</p>
{% if verification %}<h2>Fast runner checked against plain mutmut</h2>
<p>{{ verification.checked }} mutants re-run with a fresh pytest process each: {{ verification.identical }} identical verdicts{% if verification.mismatches %}, <span class="warn">{{ verification.mismatches | length }} different</span>{% endif %}.</p>{% endif %}
{% for service in services %}{% for name, suite in service.suites.items() | sort(attribute="1.gate", reverse=true) %}
{% if not suite.error and (suite.survivors or suite.timeouts) %}
<h2>{{ service.service }}: what survives the {{ name }} suite ({{ suite.survivors | length + suite.timeouts | length }})</h2>
<details {% if suite.gate %}open{% endif %}><summary>by function: {% for scope, count in suite.survivors_by_function.items() %}{{ scope }} {{ count }}{% if not loop.last %}, {% endif %}{% endfor %}</summary>
{% for m in suite.survivors + suite.timeouts %}
<p><b>mutant {{ m.id }}</b>{% if m.status == "bad_timeout" %} (timed out){% endif %}: <code>{{ m.file }}:{{ m.line }}</code> in <code>{{ m.scope }}</code>{% if m.zone %}, zone <i>{{ m.zone }}</i>{% endif %}
{% if m.equivalent %}<br><b>equivalent</b>: {{ m.equivalent }}{% endif %}</p>
<pre>{{ m.diff }}</pre>
{% endfor %}</details>
{% endif %}{% endfor %}{% endfor %}
</body></html>
"""


def chart(report: RunReport) -> str:
    """Inline SVG: per service, one stacked bar per suite (killed, timed out, survived, skipped)."""
    bar_width, bar_height, label_width, gap = 560, 18, 190, 6
    rows: list[tuple[str, SuiteResult, float | None]] = []
    for service in report.services:
        published = service.published.score if service.published else None
        for name, result in service.suites.items():
            if not result.error and result.total:
                rows.append((f"{service.name} · {name}", result, published))
    height = len(rows) * (bar_height + gap) + gap
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + bar_width + 60}" height="{height}" '
            'role="img" aria-label="mutants per service and suite">'
        )
    ]
    for row, (label, result, published) in enumerate(rows):
        y = gap + row * (bar_height + gap)
        parts.append(
            f'<text x="0" y="{y + bar_height - 4}" font-size="13">{_escape(label)}</text>'
        )
        x = float(label_width)
        segments = (
            ("killed", result.killed),
            ("timed out", result.timed_out),
            ("survived", result.survived),
            ("skipped", result.skipped + result.untested),
        )
        for name, count in segments:
            width = bar_width * count / result.total
            if width > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{bar_height}" fill="{_COLOURS[name]}">'
                    f"<title>{name}: {count}</title></rect>"
                )
            x += width
        if published is not None:
            marker = label_width + bar_width * published
            parts.append(
                f'<rect x="{marker - 1:.1f}" y="{y - 2}" width="2" height="{bar_height + 4}" fill="#000"/>'
            )
        score = _percent(result.score_unfiltered)
        parts.append(
            f'<text x="{label_width + bar_width + 6}" y="{y + bar_height - 4}" font-size="12">{score}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html(report: RunReport) -> str:
    environment = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    template = environment.from_string(_HTML)
    data = as_dict(report)
    return template.render(
        run_line=_run_line(report),
        sample=report.sample,
        chart=chart(report),
        colours=_COLOURS,
        services=data["services"],
        verification=data["verification"],
        max_skip_share=MAX_SKIP_SHARE,
        percent=_percent,
    )


def write_reports(
    report: RunReport, directory: Path, root: Path = Path(".")
) -> list[Path]:
    """Write mutation.md, .json, .html and mutation-elements/<suite>.json; `root`: the project,
    whose sources the standard report embeds."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    texts = [
        ("mutation.md", markdown(report)),
        ("mutation.json", json.dumps(as_dict(report), indent=2) + "\n"),
        ("mutation.html", html(report)),
    ]
    texts += [
        (f"mutation-elements/{suite}.json", json.dumps(data, indent=2) + "\n")
        for suite, data in elements.reports(report, root).items()
    ]
    for name, text in texts:
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


def summary(report: RunReport) -> str:
    """A few lines for the terminal."""
    lines = []
    for service in report.services:
        cells = []
        if service.published is not None:
            cells.append(f"published {_percent(service.published.score)}")
        for name, result in service.suites.items():
            if result.error:
                cells.append(f"{name} FAILED")
            else:
                cells.append(
                    f"{name} {_percent(result.score_unfiltered)} of all, {_percent(result.score)} of kept "
                    f"({result.survived} survived, {_percent(result.skip_share)} skipped)"
                )
        lines.append(f"{service.name:8} " + " | ".join(cells))
    return "\n".join(lines)
