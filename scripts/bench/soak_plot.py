"""Soak samples (t_s,rss_kib,fds CSV) -> an SVG plot of RSS and open fds over time, and the
least-squares slope of each over the run after its first fifth (start-up and cache fill),
printed as Markdown. Standard library only.

Usage: python3 soak_plot.py samples.csv out.svg
"""

import csv
import sys


def slope(xs, ys):
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    return 0.0 if var == 0 else sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var


def polyline(xs, ys, x0, x1, y0, y1, w, h, left, top):
    span_x = (x1 - x0) or 1
    span_y = (y1 - y0) or 1
    pts = " ".join(
        f"{left + (x - x0) / span_x * w:.1f},{top + h - (y - y0) / span_y * h:.1f}"
        for x, y in zip(xs, ys)
    )
    return pts


def panel(title, unit, xs, ys, top, color):
    w, h, left = 640, 160, 70
    lo, hi = min(ys), max(ys)
    pad = max((hi - lo) * 0.1, 1)
    lo, hi = lo - pad, hi + pad
    x0, x1 = xs[0], xs[-1]
    out = [
        f'<text x="{left}" y="{top - 8}" font-size="13">{title}</text>',
        f'<rect x="{left}" y="{top}" width="{w}" height="{h}" fill="none" stroke="#999"/>',
        f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{polyline(xs, ys, x0, x1, lo, hi, w, h, left, top)}"/>',
        f'<text x="{left - 6}" y="{top + 10}" font-size="10" text-anchor="end">{hi:.0f}</text>',
        f'<text x="{left - 6}" y="{top + h}" font-size="10" text-anchor="end">{lo:.0f}</text>',
        f'<text x="{left - 6}" y="{top + h / 2}" font-size="10" text-anchor="end">{unit}</text>',
        f'<text x="{left}" y="{top + h + 14}" font-size="10">{x0:.0f} s</text>',
        f'<text x="{left + w}" y="{top + h + 14}" font-size="10" text-anchor="end">{x1:.0f} s</text>',
    ]
    return out


def main():
    src, dst = sys.argv[1], sys.argv[2]
    rows = [r for r in csv.DictReader(open(src)) if r["rss_kib"] and r["fds"]]
    if len(rows) < 3:
        sys.exit(f"{src}: fewer than 3 samples; the soak was too short to judge")
    t = [float(r["t_s"]) for r in rows]
    rss = [float(r["rss_kib"]) / 1024 for r in rows]
    fds = [float(r["fds"]) for r in rows]
    skip = len(t) // 5
    rss_slope = slope(t[skip:], rss[skip:]) * 60
    fd_slope = slope(t[skip:], fds[skip:]) * 60
    svg = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="740" height="460" font-family="sans-serif">',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    svg += panel(f"RSS (MiB), slope after warm-up {rss_slope:+.3f} MiB/min", "MiB", t, rss, 30, "#1f77b4")
    svg += panel(f"open file descriptors, slope after warm-up {fd_slope:+.3f} /min", "fds", t, fds, 260, "#d62728")
    svg.append("</svg>")
    open(dst, "w").write("\n".join(svg) + "\n")
    print(f"\n| samples | duration s | RSS first / last / max MiB | RSS slope MiB/min | fds first / last / max | fd slope /min |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {len(t)} | {t[-1]:.0f} | {rss[0]:.1f} / {rss[-1]:.1f} / {max(rss):.1f} | {rss_slope:+.3f} "
        f"| {fds[0]:.0f} / {fds[-1]:.0f} / {max(fds):.0f} | {fd_slope:+.3f} |"
    )
    print(f"\nplot: {dst}")


if __name__ == "__main__":
    main()
