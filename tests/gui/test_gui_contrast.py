"""Coloured text is readable (WCAG 4.5:1) on the palette it is drawn on, light or dark: the
pre-flight verdict on the panel, the file states on the table's alternating rows, and the
progress bars' text (each file's and the delivery's) on their fill and on their empty groove,
measured on the pixels drawn."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QImage,
    QPainter,
    QPalette,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QApplication,
    QProgressBar,
    QStyle,
    QStyleOptionViewItem,
    QTableView,
)
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.ui.delivery_steps import VERDICT_HUES, verdict_style
from uploader_gui.ui.file_table_model import (
    PROGRESS_FRACTION_ROLE,
    Column,
    FileRow,
    FileTableModel,
)
from uploader_gui.ui.preflight_worker import PreflightVerdict, VerdictKind
from uploader_gui.ui.progress_delegate import ProgressDelegate
from uploader_gui.ui.state_style import StateStyle
from uploader_gui.ui.text_contrast import (
    MINIMUM_CONTRAST,
    contrast_ratio,
    is_dark,
    relative_luminance,
)
from uploader_gui.ui.transfer_bar import TransferBar

Role = QPalette.ColorRole


def light_palette() -> QPalette:
    palette = QPalette(QColor("#efefef"))
    palette.setColor(Role.Base, QColor("#ffffff"))
    palette.setColor(Role.AlternateBase, QColor("#f5f5f5"))
    return palette


def dark_palette() -> QPalette:
    """A dark theme as desktops ship them: grey window, darker rows, light text."""
    palette = QPalette(QColor("#353535"))
    for role, colour in (
        (Role.Window, "#353535"),
        (Role.WindowText, "#f0f0f0"),
        (Role.Base, "#2a2a2a"),
        (Role.AlternateBase, "#424242"),
        (Role.Text, "#f0f0f0"),
        (Role.Button, "#353535"),
        (Role.ButtonText, "#f0f0f0"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


PALETTES = {"light": light_palette, "dark": dark_palette}


def style_colour(style_sheet: str) -> QColor:
    match = re.search(r"color:\s*(#[0-9a-fA-F]{6})", style_sheet)
    assert match, style_sheet
    return QColor(match.group(1))


@pytest.fixture
def app_palette(qapp: QApplication) -> Iterator[None]:
    original = QApplication.palette()
    yield
    QApplication.setPalette(original)


def test_the_contrast_maths_is_wcags() -> None:
    assert relative_luminance(QColor("white")) == pytest.approx(1.0)
    assert relative_luminance(QColor("black")) == pytest.approx(0.0)
    assert contrast_ratio(QColor("black"), QColor("white")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#777777"), QColor("white")) == pytest.approx(4.48, abs=0.01)
    assert is_dark(dark_palette().color(Role.Window))
    assert not is_dark(light_palette().color(Role.Window))


def test_the_old_fixed_verdict_colours_were_unreadable_on_dark() -> None:
    window = dark_palette().color(Role.Window)
    for hue in {colour.name() for colour in VERDICT_HUES.values()}:
        assert contrast_ratio(QColor(hue), window) < MINIMUM_CONTRAST  # why they now adapt


@pytest.mark.parametrize("name", PALETTES)
@pytest.mark.parametrize("kind", list(VERDICT_HUES))
def test_verdict_colours_read_on_light_and_dark(name: str, kind: VerdictKind) -> None:
    palette = PALETTES[name]()
    colour = style_colour(verdict_style(kind, palette))
    assert contrast_ratio(colour, palette.color(Role.Window)) >= MINIMUM_CONTRAST
    if kind is VerdictKind.ACCEPTED:  # still green, still red: the hue is kept
        assert colour.green() > colour.red()
    else:
        assert colour.red() > colour.green()


@pytest.mark.parametrize("name", PALETTES)
def test_state_colours_read_on_both_row_colours(name: str) -> None:
    palette = PALETTES[name]()
    style = StateStyle()
    rows = (palette.color(Role.Base), palette.color(Role.AlternateBase))
    coloured = 0
    for state in FileState:
        colour = style.text_colour(state.value, palette)
        if colour is None:
            continue  # the palette's own text colour
        coloured += 1
        for row in rows:
            assert contrast_ratio(colour, row) >= MINIMUM_CONTRAST, (state, row.name())
    assert coloured >= 6


@pytest.mark.parametrize("name", PALETTES)
def test_the_empty_windows_call_to_action_reads_well(
    qtbot: QtBot, window_factory: WindowFactory, app_palette: None, name: str
) -> None:
    QApplication.setPalette(PALETTES[name]())
    placeholder = window_factory().placeholder
    palette = placeholder.palette()
    text = palette.color(placeholder.foregroundRole())
    assert contrast_ratio(text, palette.color(Role.Window)) >= MINIMUM_CONTRAST


def test_switching_to_a_dark_theme_recolours_the_window(
    qtbot: QtBot, window_factory: WindowFactory, app_palette: None
) -> None:
    window = window_factory()
    panel = window.delivery_panel
    panel._show_verdict(PreflightVerdict(VerdictKind.REFUSED, "✗ the archive would refuse this"))
    QApplication.setPalette(dark_palette())
    qtbot.waitUntil(lambda: is_dark(panel.palette().color(Role.Window)))
    background = panel.palette().color(Role.Window)
    qtbot.waitUntil(
        lambda: (
            contrast_ratio(style_colour(panel.verdict_label.styleSheet()), background)
            >= MINIMUM_CONTRAST
        )
    )
    model = FileTableModel()
    model.append_rows([FileRow("bad.fits", 1, FileState.INVALID.value)])
    colour = model.index(0, Column.STATE).data(Qt.ItemDataRole.ForegroundRole)
    assert isinstance(colour, QColor)
    for row in (Role.Base, Role.AlternateBase):
        assert contrast_ratio(colour, QApplication.palette().color(row)) >= MINIMUM_CONTRAST


# --- the progress bars' text, measured on what is drawn ---------------------------------------

BAR_TEXT = "50 % · 12.3 MiB/s · 1,234 of 5,000 files"
BAR_SIZE = (420, 26)


def text_contrasts(with_text: QImage, without_text: QImage) -> dict[str, float]:
    """The text's contrast on the bar's fill (left half) and empty groove (right half).

    A text pixel is one that the text changed; the glyphs' cores (the pixel most unlike what
    was under it) are the text's colour, measured against every shade under the text."""
    width, height = with_text.width(), with_text.height()
    middle = width // 2
    halves = {"fill": range(4, middle - 4), "groove": range(middle + 4, width - 4)}
    ratios = {}
    for name, columns in halves.items():
        pairs = [
            (with_text.pixelColor(x, y), without_text.pixelColor(x, y))
            for x in columns
            for y in range(3, height - 3)
        ]
        texts = [(ink, under) for ink, under in pairs if ink != under]
        assert len(texts) > 20, name  # the text crosses both halves
        ink = max(texts, key=lambda pair: contrast_ratio(*pair))[0]
        shades = {under.rgb(): under for _, under in texts}.values()
        ratios[name] = min(contrast_ratio(ink, shade) for shade in shades)
    return ratios


def delegate_image(text: str, palette: QPalette) -> QImage:
    model = QStandardItemModel(1, 1)
    item = QStandardItem(text)
    item.setData(0.5, PROGRESS_FRACTION_ROLE)
    model.setItem(0, 0, item)
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, *BAR_SIZE)
    option.palette = palette
    option.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Active
    option.fontMetrics = QFontMetrics(QApplication.font())
    image = QImage(*BAR_SIZE, QImage.Format.Format_RGB32)
    image.fill(palette.color(Role.Base))
    painter = QPainter(image)
    ProgressDelegate().paint(painter, option, model.index(0, 0))
    painter.end()
    return image


def bar_images(bar: QProgressBar) -> tuple[QImage, QImage]:
    """The bar half full, drawn with `BAR_TEXT` and without text."""
    bar.resize(*BAR_SIZE)
    bar.setValue(bar.maximum() // 2)
    bar.setFormat(BAR_TEXT)
    with_text = bar.grab().toImage()
    bar.setFormat("")
    return with_text, bar.grab().toImage()


def test_a_plain_bars_text_is_unreadable_on_its_fill(qtbot: QtBot) -> None:
    bar = QProgressBar()  # the theme's own colours, as the bars were drawn before
    qtbot.addWidget(bar)
    bar.setPalette(dark_palette())
    assert text_contrasts(*bar_images(bar))["fill"] < MINIMUM_CONTRAST  # why they now adapt


@pytest.mark.parametrize("name", PALETTES)
def test_a_files_progress_text_reads_on_the_fill_and_the_groove(
    qtbot: QtBot, app_palette: None, name: str
) -> None:
    QApplication.setPalette(PALETTES[name]())
    view = QTableView()  # the palette a table's cells get: the theme's, with its fill colour
    qtbot.addWidget(view)
    palette = view.palette()
    ratios = text_contrasts(delegate_image(BAR_TEXT, palette), delegate_image("", palette))
    assert min(ratios.values()) >= MINIMUM_CONTRAST, ratios


@pytest.mark.parametrize("name", PALETTES)
def test_the_deliverys_progress_text_reads_on_the_fill_and_the_groove(
    qtbot: QtBot, app_palette: None, name: str
) -> None:
    QApplication.setPalette(light_palette())
    strip = TransferBar()
    qtbot.addWidget(strip)
    palette = PALETTES[name]()
    QApplication.setPalette(palette)  # a theme switch while the window is open, too
    window = palette.color(Role.Window)
    qtbot.waitUntil(lambda: strip.progress_bar.palette().color(Role.Window) == window)
    ratios = text_contrasts(*bar_images(strip.progress_bar))
    assert min(ratios.values()) >= MINIMUM_CONTRAST, ratios
