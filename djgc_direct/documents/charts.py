"""Charts for documents: PNG images drawn with matplotlib (Agg, no display) in a CJK font found on
the machine, so that Chinese labels come out as characters rather than boxes."""
import io
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")  # before pyplot: servers have no display

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

# Simplified Chinese faces, best first: Debian's fonts-noto-cjk, then what Windows and other
# distributions ship.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "SimSun")
DPI = 150
ON_TIME_COLOUR, SATISFACTION_COLOUR = "#c00000", "#4472c4"


class MissingCJKFont(RuntimeError):
    """No font on the machine can draw Chinese labels."""


def _find_cjk_font():
    for family in CJK_FAMILIES:
        try:
            return font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
    return None


@lru_cache(maxsize=1)
def cjk_font_path():
    """The file of the first of CJK_FAMILIES installed; MissingCJKFont if none is."""
    path = _find_cjk_font()
    if path is None:  # installed after matplotlib cached its font list: add what it has not seen
        known = {font.fname for font in font_manager.fontManager.ttflist}
        for fname in set(font_manager.findSystemFonts()) - known:
            font_manager.fontManager.addfont(fname)
        path = _find_cjk_font()
    if path is None:
        raise MissingCJKFont("no Chinese font for the charts: install fonts-noto-cjk "
                             f"(Debian; `make system-deps`), or one of: {', '.join(CJK_FAMILIES)}")
    return path


def rates_by_unit(names, on_time, satisfaction, title="各承办单位按时答复率和满意率"):
    """A horizontal bar chart, two bars per unit: reply on-time rate and satisfaction rate (percent;
    None is "no data", drawn as no bar and labelled 无数据). PNG bytes."""
    font = font_manager.FontProperties(fname=cjk_font_path(), size=9)
    count = max(len(names), 1)
    figure = Figure(figsize=(6.3, 1.6 + 0.45 * count), dpi=DPI)
    axes = figure.add_subplot()
    height = 0.38
    positions = range(len(names))
    for offset, values, colour, label in ((-height / 2, on_time, ON_TIME_COLOUR, "按时答复率"),
                                          (height / 2, satisfaction, SATISFACTION_COLOUR, "满意率")):
        ys = [y + offset for y in positions]
        bars = axes.barh(ys, [float(v or 0) for v in values], height=height, color=colour, label=label)
        for bar, value in zip(bars, values):
            text = "无数据" if value is None else f"{value}%"
            axes.text(float(value or 0) + 1, bar.get_y() + bar.get_height() / 2, text, va="center",
                      fontproperties=font)
    axes.set_yticks(list(positions), list(names), fontproperties=font)
    axes.invert_yaxis()  # the first unit on top, as in the table
    axes.set_xlim(0, 115)
    axes.set_xticks([0, 20, 40, 60, 80, 100], ["0", "20%", "40%", "60%", "80%", "100%"], fontproperties=font)
    axes.set_title(title, fontproperties=font_manager.FontProperties(fname=cjk_font_path(), size=11))
    axes.legend(prop=font, loc="upper center", bbox_to_anchor=(0.5, -0.08 - 0.5 / count), ncols=2, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
