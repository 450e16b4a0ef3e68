"""The gallery's pages, rebuilt from OUT/items/*.json: results.json, index.html and gallery.tex.

index.html is one static page (inline CSS, no scripts) with the summary on top and one row per
drawing: drawing | render of the inferred spec | its program | the ground truth's program, and a
top-1 badge. gallery.tex (latex_templates/gallery.tex.j2) lays the same rows out like the
paper's supplement and compiles with pdflatex from texlive-latex-base and texlive-pictures.
All text is escaped for its target (html.escape; `tt_escape` for LaTeX).
"""
from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path

from ..image.drawings import natural_key
from ..pipeline.scoring import figure, summarise
from .tikz import latex_template

ITEMS = "items"
NO_SPEC = "Sampled no finished traces"  # the supplement's words
STATUS_NOTES = {"timeout": "Solver timeout", "failed": "Synthesis failed",
                "skipped": "No synthesis"}


def dumps(doc) -> str:
    """Indented JSON with each primitive on one line, so a spec stays readable."""
    text = json.dumps(doc, indent=1)
    return re.sub(r'\{\s*("kind"[^{}\[\]]*?)\s*\}',
                  lambda m: "{" + re.sub(r",\s+", ", ", m.group(1)) + "}", text) + "\n"


def load_items(out_dir) -> list[dict]:
    """Every item of a gallery folder, in the drawings' numeric order."""
    items = []
    for path in Path(out_dir, ITEMS).glob("*.json"):
        try:
            items.append(json.loads(path.read_text()))
        except ValueError:
            continue  # a file being written by another shard: the next build has it
    return sorted(items, key=lambda item: natural_key(item.get("file", "")))


def summarise_items(items: list[dict]) -> dict:
    """pipeline.scoring.summarise's figures (None where nothing was scored) plus synthesis
    statuses, times and costs."""
    done = [i for i in items if "error" not in i]

    def median(values):
        values = sorted(v for v in values if v is not None)
        return values[len(values) // 2] if values else None

    return {**summarise(items),
            "program_status": dict(Counter(i.get("program_status") for i in done)),
            "truth_program_status": dict(Counter(i["truth_program_status"] for i in done
                                                 if i.get("truth_program_status"))),
            "median_synth_s": median(i.get("synth_s") for i in done),
            "median_truth_synth_s": median(i.get("truth_synth_s") for i in done),
            "total_s": round(sum(i.get("seconds", 0.0) for i in done), 2),
            "program_cost": sum(i["program_cost"] for i in done if i.get("program_cost")),
            "truth_program_cost": sum(i["truth_program_cost"] for i in done
                                      if i.get("truth_program_cost"))}


def write_pages(out_dir, title: str = "gallery", shard=None) -> dict:
    """Write results.json, index.html and gallery.tex from the items; return the summary."""
    out = Path(out_dir)
    items = load_items(out)
    summary = summarise_items(items)
    settings = [json.loads(s) for s in
                dict.fromkeys(json.dumps(i.get("settings"), sort_keys=True) for i in items)]
    doc = {"title": title, "shard": shard, "summary": summary,
           "settings": settings[0] if len(settings) == 1 else settings,
           "drawings": [{k: v for k, v in i.items() if k != "settings"} for i in items]}
    (out / "results.json").write_text(dumps(doc))
    views = [_view(i) for i in items]
    (out / "index.html").write_text(_html(title, summary, settings, views), encoding="utf-8")
    (out / "gallery.tex").write_text(_latex(title, summary, views), encoding="utf-8")
    return summary


# ---------------------------------------------------------------- what each row shows

def _program(item: dict, prefix: str) -> dict:
    status = item.get(f"{prefix}program_status")
    cost, secs = item.get(f"{prefix}program_cost"), item.get(f"{prefix}synth_s")
    meta = [status] if status else []
    meta += [f"cost {cost}"] if cost is not None else []
    meta += [f"{secs:.2f} s"] if secs is not None and status != "skipped" else []
    return {"text": item.get(f"{prefix}program"), "note": STATUS_NOTES.get(status),
            "meta": ", ".join(meta)}


def _view(item: dict) -> dict:
    """The row of one drawing, target-neutral (not yet escaped)."""
    view = {"name": item.get("file", "?"), "key": item.get("key", ""),
            "drawing": item.get("drawing_png"), "render": item.get("render_png"),
            "error": item.get("error"), "has_truth": item.get("truth") is not None,
            "program": None, "truth": None, "facts": []}
    if "top1" in item:
        view["outcome"] = "top1" if item["top1"] else "top5" if item["top5"] else "miss"
        view["facts"] = [f"IoU {item['iou']:.2f}", f"{item['errors']} wrong"]
    else:
        view["outcome"] = "error" if view["error"] else "none"
    if view["error"]:
        return view
    view["facts"].append(f"{item.get('seconds', 0.0):.1f} s")
    view["program"] = (_program(item, "") if item.get("specs")
                       else {"text": None, "note": NO_SPEC, "meta": ""})
    if view["has_truth"] and "truth_program_status" in item:
        view["truth"] = _program(item, "truth_")
        view["truth"]["same"] = bool(item.get("truth_program_same"))
    return view


BADGES = {"top1": ("\u2713 top-1", "ok"), "top5": ("\u2717 top-1, \u2713 top-5", "near"),
          "miss": ("\u2717 top-1", "bad"), "error": ("failed", "bad"), "none": ("no truth", "dim")}


def _percent(summary: dict, key: str) -> str:
    """A fraction with its count, 78.0% (39/50); n/a where no drawing was scored."""
    if summary[key] is None:
        return figure(None, "")
    return f"{summary[key]:.1%} ({round(summary[key] * summary['scored'])}/{summary['scored']})"


def _statuses(counts: dict) -> str:
    return ", ".join(f"{n} {STATUS_NOTES.get(s, s).lower() if s == 'timeout' else s}"
                     for s, n in sorted(counts.items(), key=lambda kv: -kv[1])) or "none"


def _summary_rows(summary: dict) -> list[tuple[str, str]]:
    """The summary table of both pages as (label, text) rows, n/a where nothing was scored."""
    rows = [("Drawings", f"{summary['drawings']} ({summary['scored']} with ground truth, "
                         f"{summary['failed']} failed)")]
    rows += [("Top-1 exact", _percent(summary, "top1")),
             ("Top-5 exact", _percent(summary, "top5")),
             ("Mean IoU of top-1", figure(summary["mean_iou"], ".3f"))]
    rows += [("Programs of inferred specs", _statuses(summary["program_status"]))]
    if summary["truth_program_status"]:
        rows += [("Programs of ground truth", _statuses(summary["truth_program_status"]))]
    rows += [("Seconds per drawing", f"median {summary['median_s']:.1f}, p90 "
                                     f"{summary['p90_s']:.1f}, total {summary['total_s']:.0f}")]
    if summary["median_synth_s"] is not None:
        rows += [("Synthesis seconds (median)", f"{summary['median_synth_s']:.2f}")]
    return rows


def _settings_line(settings: list) -> str:
    if len(settings) != 1 or not settings[0]:
        return "mixed settings" if settings else ""
    s = settings[0]
    search = (f"SMC, {s['particles']} particles" if s["method"] == "smc"
              else f"beam search, width {s['beam']}")
    if s["method"] == "smc" and s.get("rerank"):
        search += ", reranked by the program prior"
    return (f"{search}, {s['time_budget']:g} s search, {s['synth_timeout']:g} s synthesis "
            f"timeout, seed {s['seed']}, top {s['top']}")


# ---------------------------------------------------------------- HTML

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:24px 32px;
 color:#1d1d1f;background:#fafafa}
h1{font-size:22px;margin:0 0 4px} .sub{color:#666;margin:0 0 16px;font-size:13px}
table{border-collapse:collapse}
.summary td{padding:3px 18px 3px 0;font-size:14px} .summary td:first-child{color:#555}
.strip{margin:14px 0 22px;line-height:0} .strip a{display:inline-block;width:14px;height:14px;
 margin:0 2px 2px 0;border-radius:2px}
.gallery{width:100%;background:#fff;box-shadow:0 1px 3px #0002}
.gallery th{position:sticky;top:0;background:#f0f0f2;text-align:left;font-size:13px;
 padding:8px;border-bottom:1px solid #ccc;z-index:1}
.gallery td{vertical-align:top;padding:10px 8px;border-bottom:1px solid #e4e4e4}
.gallery tr:target td{background:#fffbe6}
.name{font-weight:600;font-size:14px;white-space:nowrap} .facts{color:#555;font-size:12px;
 margin-top:6px;line-height:1.5}
img{width:200px;height:200px;border:1px solid #d0d0d0;background:#fff;display:block}
pre{font:12px/1.35 ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;margin:0;
 white-space:pre-wrap;overflow-wrap:anywhere}
.gallery td:nth-child(4),.gallery td:nth-child(5){width:32%}
.meta{color:#777;font-size:12px;margin-top:6px} .same pre{color:#888}
.badge{display:inline-block;margin-top:6px;padding:1px 8px;border-radius:9px;font-size:12px;
 font-weight:600;white-space:nowrap}
.ok{background:#d7f0dc;color:#17632a} .near{background:#fdefc3;color:#7a5800}
.bad{background:#f9d8d5;color:#a01c12} .dim{background:#eee;color:#666}
.strip .ok{background:#2e9e4f} .strip .near{background:#e5b31c} .strip .bad{background:#d2432f}
.strip .dim{background:#bbb}
.msg{color:#b3261e;font-style:italic;font-size:13px;margin-bottom:4px}
.none{color:#999;font-style:italic;font-size:13px}
"""


def _h(text) -> str:
    return html.escape(str(text), quote=True)


def _html_image(path) -> str:
    if not path:
        return f'<span class="none">{_h(NO_SPEC)}</span>'
    return f'<img src="{_h(path)}" alt="" loading="lazy">'


def _html_program(prog) -> str:
    if prog is None:
        return ""
    parts = [f'<div class="msg">{_h(prog["note"])}</div>'] if prog["note"] else []
    if prog["text"] is not None:
        parts.append(f"<pre>{_h(prog['text'])}</pre>")
    if prog["meta"]:
        meta = prog["meta"] + (" \u00b7 same spec as inferred" if prog.get("same") else "")
        parts.append(f'<div class="meta">{_h(meta)}</div>')
    return "".join(parts)


def _html_row(i: int, v: dict) -> str:
    label, cls = BADGES[v["outcome"]]
    facts = "<br>".join(_h(f) for f in v["facts"])
    head = (f'<td><div class="name">{i}. {_h(v["name"])}</div>'
            f'<span class="badge {cls}">{_h(label)}</span><div class="facts">{facts}</div></td>')
    if v["error"]:
        return (f'<tr id="{_h(v["key"])}">{head}<td colspan="4"><div class="msg">'
                f'{_h(v["error"])}</div></td></tr>')
    head += f'<td>{_html_image(v["drawing"])}</td>'
    truth = v["truth"]
    truth_cell = (f'<td class="same">{_html_program(truth)}</td>' if truth and truth["same"]
                  else f"<td>{_html_program(truth)}</td>" if truth
                  else '<td><span class="none">no ground truth</span></td>')
    return (f'<tr id="{_h(v["key"])}">{head}<td>{_html_image(v["render"])}</td>'
            f"<td>{_html_program(v['program'])}</td>{truth_cell}</tr>")


def _html(title: str, summary: dict, settings: list, views: list[dict]) -> str:
    summary_rows = "".join(f"<tr><td>{_h(k)}</td><td>{_h(val)}</td></tr>"
                           for k, val in _summary_rows(summary))
    strip = "".join(f'<a href="#{_h(v["key"])}" class="{BADGES[v["outcome"]][1]}" '
                    f'title="{_h(v["name"])}: {_h(BADGES[v["outcome"]][0])}"></a>'
                    for v in views)
    rows = "\n".join(_html_row(i, v) for i, v in enumerate(views, 1))
    legend = "One square per drawing, in order (a link to its row): " + " ".join(
        f'<span class="badge {cls}">{_h(label)}</span>' for label, cls in BADGES.values())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_h(title)} - graphics2prog gallery</title>
<style>{CSS}</style></head>
<body>
<h1>Gallery: {_h(title)}</h1>
<p class="sub">{_h(_settings_line(settings))}</p>
<table class="summary">{summary_rows}</table>
<div class="strip">{strip}</div>
<p class="sub">{legend}</p>
<table class="gallery">
<thead><tr><th>Drawing</th><th>Input (as read)</th><th>Render of the inferred spec</th>
<th>Program of the inferred spec</th><th>Program of the ground-truth spec</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""


# ---------------------------------------------------------------- LaTeX

def tt_escape(text: str) -> str:
    """Text for LaTeX's typewriter font (\\texttt or alltt): the characters LaTeX treats
    specially become their glyphs by number; anything outside printable ASCII becomes '?'."""
    out = []
    for ch in str(text):
        if ch in "\\{}$&#^_%~":
            out.append(f"{{\\char{ord(ch)}}}")
        elif ch == "\n" or " " <= ch <= "~":
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


def _tt_lines(text) -> str:
    """Escaped lines joined by \\newline (a p-column cell wraps a line that is too long)."""
    return "\\newline\n".join(tt_escape(line) for line in (text or "").splitlines())


def _latex_program(prog) -> dict:
    if prog is None:
        return {"note": "", "text": "", "meta": ""}
    return {"note": tt_escape(prog["note"] or ""), "text": _tt_lines(prog["text"]),
            "meta": tt_escape(prog["meta"] + ("; same spec as inferred" if prog.get("same")
                                              else ""))}


def _latex(title: str, summary: dict, views: list[dict]) -> str:
    rows = []
    for i, v in enumerate(views, 1):
        label, cls = BADGES[v["outcome"]]
        rows.append({"index": i, "name": tt_escape(v["name"]), "drawing": v["drawing"],
                     "render": v["render"], "badge": tt_escape(label.replace("\u2713", "yes")
                                                                .replace("\u2717", "no")),
                     "colour": {"ok": "okgreen", "near": "nearyellow", "dim": "dimgray"}.get(
                         cls, "badred"),
                     "facts": _tt_lines("\n".join(v["facts"])),
                     "error": _tt_lines(v["error"]),
                     "no_spec": tt_escape(NO_SPEC), "has_truth": v["truth"] is not None,
                     "program": _latex_program(v["program"]),
                     "truth": _latex_program(v["truth"])})
    return latex_template("gallery.tex.j2").render(
        title=tt_escape(title), rows=rows,
        summary=[(tt_escape(k), tt_escape(val)) for k, val in _summary_rows(summary)])
