"""Coloured text that stays readable on the palette it is drawn on (WCAG 2.1 contrast).

A fixed red or green that reads well on white drops to 2–3:1 on a dark theme's grey. Each
colour here is a hue to keep; `readable_colour` darkens it on a light background and lightens
it on a dark one, just until it reaches `MINIMUM_CONTRAST` against every background it may sit
on (a table's alternating rows are two). Results are cached: the table asks once per painted
cell.

`progress_bar_palette` does the same for a progress bar's text, which the style draws in two
colours: HighlightedText over the fill, Text over the empty groove.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from PySide6.QtGui import QColor, QPalette

MINIMUM_CONTRAST = 4.5  # WCAG 2.1 AA for normal text
_LIGHTNESS_STEP = 0.02
# Fusion fills a bar with a gradient from Highlight to a shade about 17 % lighter (measured
# on its rendering): the fill's text must read on both ends, and 25 % leaves a margin.
_FILL_LIGHTER_PERCENT = 125


def _channel(value: float) -> float:
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: QColor) -> float:
    """WCAG 2.1 relative luminance, 0 (black) to 1 (white)."""
    red, green, blue = (_channel(c) for c in (colour.redF(), colour.greenF(), colour.blueF()))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: QColor, second: QColor) -> float:
    """From 1:1 (the same) to 21:1 (black on white), whichever is lighter."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def is_dark(background: QColor) -> bool:
    """Whether light text reads better on `background` than dark text."""
    return contrast_ratio(background, QColor("white")) > contrast_ratio(background, QColor("black"))


def readable_colour(hue: QColor, backgrounds: Sequence[QColor]) -> QColor:
    """`hue` made just dark (or light) enough to read on each of `backgrounds`."""
    key = (hue.rgb(), tuple(background.rgb() for background in backgrounds))
    return QColor.fromRgb(_readable_rgb(*key))


def palette_text_backgrounds(palette: QPalette, *, is_view: bool) -> tuple[QColor, ...]:
    """What text of a widget using `palette` is drawn on: a view's two row colours, or the
    window colour of labels."""
    if is_view:
        roles = (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase)
        return tuple(palette.color(role) for role in roles)
    return (palette.color(QPalette.ColorRole.Window),)


def progress_bar_palette(palette: QPalette) -> QPalette:
    """A copy of `palette` whose progress-bar text reads on the bar (WCAG 4.5:1).

    The theme's fill and groove colours are kept, so the bar still looks like the desktop's;
    only the text colours move: HighlightedText (often white, 2.8:1 on Fusion's light blue
    fill) darkens or lightens until it reads on every shade of the fill, and Text until it
    reads on the groove (Base)."""
    role = QPalette.ColorRole
    readable = QPalette(palette)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        highlight = palette.color(group, role.Highlight)
        fill = (highlight, highlight.lighter(_FILL_LIGHTER_PERCENT))
        groove = (palette.color(group, role.Base),)
        on_fill = readable_colour(palette.color(group, role.HighlightedText), fill)
        readable.setColor(group, role.HighlightedText, on_fill)
        on_groove = readable_colour(palette.color(group, role.Text), groove)
        readable.setColor(group, role.Text, on_groove)
    return readable


@lru_cache(maxsize=256)
def _readable_rgb(hue_rgb: int, background_rgbs: tuple[int, ...]) -> int:
    backgrounds = [QColor.fromRgb(rgb) for rgb in background_rgbs]
    colour = QColor.fromRgb(hue_rgb)
    # Lighten on dark backgrounds, darken on light ones; the mean decides for mixed rows.
    mean = sum(relative_luminance(b) for b in backgrounds) / max(1, len(backgrounds))
    step = _LIGHTNESS_STEP if mean < 0.18 else -_LIGHTNESS_STEP
    hue, saturation, lightness = colour.hslHueF(), colour.hslSaturationF(), colour.lightnessF()
    while min(contrast_ratio(colour, b) for b in backgrounds) < MINIMUM_CONTRAST:
        lightness += step
        if not 0.0 <= lightness <= 1.0:  # black or white: the most any hue can give
            return QColor("white" if step > 0 else "black").rgb()
        colour = QColor.fromHslF(max(hue, 0.0), saturation, lightness)
    return colour.rgb()
