"""Render the window's main states headless to PNGs (the README's pictures), in light and dark.

    python packaging/screenshots.py [--out docs/screenshots]

Each scene is the real window (offscreen Qt) delivering real files to a real local archive on
127.0.0.1, driven as a person would (choose folder and label, Start, Pause), and photographed
once the state it shows has been reached: nothing is staged by hand. The app's own files go to a
throwaway home (`UPLOADER_GUI_HOME`), so the person's state store and settings are untouched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_LABEL = REPO_ROOT / "resources" / "examples" / "demo-label.yaml"
WINDOW_SIZE = (1100, 680)
WAIT_S = 120.0
THEMES = ("light", "dark")
ANSWERED = ("accepted", "refused")  # the pre-flight's verdict kinds that answer
BANDWIDTH_BYTES_PER_S = 2 << 20  # slow enough to photograph files mid-upload
BAD_LABEL = "dataset: demo\ndelivery_id: 12\n"  # a label the pre-flight refuses, with fixes

if __package__ in (None, ""):
    sys.path.insert(0, str(REPO_ROOT))

from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from uploader_gui.app_dirs import HOME_ENV  # noqa: E402
from uploader_gui.archive_service import LocalArchiveHandle  # noqa: E402
from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions  # noqa: E402
from uploader_gui.ui.app import configure_application  # noqa: E402
from uploader_gui.ui.main_window import MainWindow  # noqa: E402
from uploader_gui.wiring.session_setup import session_options  # noqa: E402


@dataclass(frozen=True)
class Scene:
    name: str
    caption: str


FIRST = Scene("first-launch", "First launch: the local archive is running, nothing chosen yet")
PROBLEMS = Scene("preflight-problems", "A label the archive would refuse, before anything is sent")
DELIVERING = Scene("delivering", "Delivering: each file's state, progress and speed")
PAUSED = Scene("paused", "Paused: no speed, no time left, Resume")
LOCK_HELD = Scene("lock-held", "Another uploader holds the archive's lock: who, and wait for it")
FINISHED_INVALID = Scene("finished-invalid", "Finished with an invalid file: summary, next steps")


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    """Run the event loop until `condition` holds (a script has no qtbot)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the window never showed {what} within {timeout_s:.0f} s")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, "#202124"),
        (roles.WindowText, "#e8eaed"),
        (roles.Base, "#17181a"),
        (roles.AlternateBase, "#26282b"),
        (roles.Text, "#e8eaed"),
        (roles.Button, "#2d2f33"),
        (roles.ButtonText, "#e8eaed"),
        (roles.ToolTipBase, "#2d2f33"),
        (roles.ToolTipText, "#e8eaed"),
        (roles.Highlight, "#4d8fd6"),
        (roles.HighlightedText, "#000000"),
        (roles.PlaceholderText, "#9aa0a6"),
        (roles.Mid, "#5f6368"),
        (roles.Link, "#8ab4f8"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def make_folder(root: Path, *, big_files: int = 0) -> Path:
    """A small dataset the demo label accepts; `big_files` add 4 MiB images that take a while."""
    files = {
        "README.md": b"# demo dataset\n",
        "catalog_main.parquet": b"PAR1" + bytes(2000),
        **{f"images/frame_{n:04d}.fits": bytes([n % 251]) * 20_000 for n in range(1, 25)},
        **{f"images/deep_{n:02d}.fits": bytes([n]) * (4 << 20) for n in range(1, big_files + 1)},
    }
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


class Studio:
    """One window per scene on its own local archive; `shoot` saves what the window shows."""

    def __init__(self, out_dir: Path, work_dir: Path, theme: str) -> None:
        self.out_dir, self.work_dir, self.theme = out_dir, work_dir, theme
        self.saved: list[Path] = []
        self.archive: LocalArchive  # the window's, while `window` is open
        self.scene_count = 0

    @contextmanager
    def window(
        self, *, bandwidth_bytes_per_s: float | None = None, **archive_options: object
    ) -> Iterator[MainWindow]:
        self.scene_count += 1  # each scene its own state store and settings, as a new user
        home = self.work_dir / f"home-{self.scene_count}"
        os.environ[HOME_ENV] = str(home)
        configure_application(QApplication.instance())  # type: ignore[arg-type]
        options = SandboxOptions(auto_accept=True, **archive_options)  # type: ignore[arg-type]
        archive = self.archive = LocalArchive(options)
        archive.start()
        window = MainWindow(
            start_local_archive=lambda: LocalArchiveHandle(archive, None),
            session_options=session_options(
                poll_every_s=0.2, bandwidth_limit_bytes_per_s=bandwidth_bytes_per_s
            ),
        )
        window.resize(*WINDOW_SIZE)
        window.show()
        try:
            yield window
        finally:
            window.shutdown()
            window.close()
            window.deleteLater()
            archive.stop()

    def shoot(self, window: MainWindow, scene: Scene) -> None:
        for _ in range(5):  # let layouts and the ~10 Hz bridge settle before the picture
            QApplication.processEvents()
            time.sleep(0.05)
        path = self.out_dir / f"{scene.name}-{self.theme}.png"
        if not window.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        self.saved.append(path)
        print(f"  {path.name}: {scene.caption}")


def ready(window: MainWindow, folder: Path, label: Path) -> None:
    """Folder chosen and label picked, as a person does; waits for the pre-flight to answer."""
    window.open_folder(str(folder))
    window.delivery_panel.set_label_path(str(label))
    panel = window.delivery_panel
    wait_for(lambda: panel.verdict is not None and panel.verdict.kind in ANSWERED, "pre-flight")


def first_launch(studio: Studio) -> None:
    with studio.window() as window:
        panel = window.delivery_panel
        wait_for(lambda: panel.archives.handle is not None, "the local archive running")
        studio.shoot(window, FIRST)


def preflight_problems(studio: Studio) -> None:
    with studio.window() as window:
        bad_label = studio.work_dir / "bad-label.yaml"
        bad_label.write_text(BAD_LABEL, encoding="utf-8")
        ready(window, make_folder(studio.work_dir / "problems"), bad_label)
        wait_for(lambda: window.delivery_panel.details_button.isVisible(), "the problems")
        studio.shoot(window, PROBLEMS)


def delivery(studio: Studio) -> None:
    """One slowed delivery, photographed running, paused, and at its end (one file invalid)."""
    with studio.window(
        bandwidth_bytes_per_s=BANDWIDTH_BYTES_PER_S, invalid_globs=("*.parquet",)
    ) as window:
        ready(window, make_folder(studio.work_dir / "slow", big_files=6), DEMO_LABEL)
        wait_for(window.delivery_panel.start_button.isEnabled, "Start enabled")
        window.delivery_panel.start_button.click()
        wait_for(
            lambda: _count(window, "transferring") >= 1 and _count(window, "valid") >= 3,
            "uploads and verdicts",
        )
        studio.shoot(window, DELIVERING)
        window.transfer_bar.pause_button.click()
        wait_for(
            lambda: _count(window, "transferring") == 0 and _count(window, "paused") >= 1,
            "paused files",
        )
        studio.shoot(window, PAUSED)
        window.transfer_bar.pause_button.click()
        wait_for(
            lambda: window.delivery.last_end is not None and not window.delivery.is_running,
            "the end",
            300,
        )
        wait_for(window.transfer_bar.end_summary.isVisible, "the end summary")
        studio.shoot(window, FINISHED_INVALID)


def lock_held(studio: Studio) -> None:
    """Another uploader's lock in the delivery's control bucket, as that uploader writes it."""
    with studio.window() as window:
        archive = studio.archive
        archive.provision_delivery(DEMO_LABEL)
        names = archive.network_config.names_for("demo_set", "0001", "staging")
        s3 = archive.boto3_client("s3")
        s3.put_object(Bucket=names.control_bucket, Key="lock/client", Body=b"kqzvtmhwaro")
        ready(window, make_folder(studio.work_dir / "busy"), DEMO_LABEL)
        wait_for(window.delivery_panel.start_button.isEnabled, "Start enabled")
        window.delivery_panel.start_button.click()
        wait_for(lambda: window.delivery.last_end is not None, "the busy archive")
        summary = window.transfer_bar.end_summary
        wait_for(summary.lock_wait_row.isVisible, "the lock's holder")
        studio.shoot(window, LOCK_HELD)


SETS: dict[str, Callable[[Studio], None]] = {
    "first-launch": first_launch,
    "preflight-problems": preflight_problems,
    "delivery": delivery,
    "lock-held": lock_held,
}


def _count(window: MainWindow, state: str) -> int:
    model = window.model
    return sum(1 for row in range(model.rowCount()) if model.state_at(row) == state)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "screenshots")
    parser.add_argument("--only", choices=sorted(SETS), action="append", help="scene set(s)")
    parser.add_argument("--theme", choices=THEMES, action="append", help="light, dark or both")
    args = parser.parse_args(argv)
    out_dir: Path = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="uploader-shots-") as home:
        os.environ["UPLOADER_GUI_HOME"] = home
        app = QApplication.instance() or QApplication(["uploader-gui-screenshots"])
        assert isinstance(app, QApplication)
        configure_application(app)
        app.setStyle("Fusion")  # the same widgets on every platform, so light and dark compare
        palettes = {"light": app.style().standardPalette(), "dark": dark_palette()}
        for theme in args.theme or THEMES:
            app.setPalette(palettes[theme])
            print(f"{theme}:")
            studio = Studio(out_dir, Path(home) / theme, theme)
            studio.work_dir.mkdir()
            for name in args.only or SETS:
                SETS[name](studio)
    return 0


if __name__ == "__main__":
    sys.exit(main())
