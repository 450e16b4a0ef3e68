"""Small PIL line charts for the experiment scripts (matplotlib is not a dependency)."""
from __future__ import annotations

from PIL import Image, ImageDraw

COLOURS = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (255, 127, 14)]


def line_panels(panels: list[dict], path, width: int = 900, height: int = 360) -> None:
    """One chart per panel, side by side.

    Each panel: {"title": str, "x": [..], "series": {name: [y, ..]}, "ymax": float,
    "xlabels": [str, ..] (optional)}; x values are placed evenly, in order.
    """
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    pad, n = 50, len(panels)
    for i, panel in enumerate(panels):
        x0, x1 = pad + i * width // n, (i + 1) * width // n - 20
        y0, y1 = pad, height - pad
        draw.rectangle([x0, y0, x1, y1], outline="black")
        draw.text((x0, 15), f"{panel['title']} (y max {panel['ymax']:.3g})", fill="black")
        xs = panel["x"]
        labels = panel.get("xlabels", [str(x) for x in xs])
        step = (x1 - x0) / max(1, len(xs) - 1)
        for k, label in enumerate(labels):
            draw.text((x0 + k * step - 6, y1 + 8), label, fill="black")
        for j, (name, ys) in enumerate(panel["series"].items()):
            colour = COLOURS[j % len(COLOURS)]
            pts = [(x0 + k * step, y1 - (y1 - y0) * min(y, panel["ymax"]) / panel["ymax"])
                   for k, y in enumerate(ys)]
            if len(pts) > 1:
                draw.line(pts, fill=colour, width=2)
            for x, y in pts:
                draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)
            draw.text((x0 + 8, y0 + 6 + 14 * j), name, fill=colour)
    img.save(path)
