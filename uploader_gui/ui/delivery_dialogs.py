"""The delivery's message boxes: a question from the session, confirmations (cancel, close
while delivering) and the crash dialog with "Copy details" (DESIGN.md §4).

Every box is opened with `open()`, never `exec()`: the window keeps drawing and draining
events while it waits, and tests find the box and click it like a person.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox, QWidget

from uploader_gui.core.events import SessionCrashed
from uploader_gui.core.questions import QuestionAsked

CANCEL_TITLE = "Cancel the delivery?"
CANCEL_TEXT = (
    "Cancelling discards the partial uploads of files not finished yet; files already "
    "uploaded stay. To keep everything and go on later, use Stop instead."
)
CANCEL_CHOICE, KEEP_GOING_CHOICE = "Cancel delivery", "Keep going"
CLOSE_TITLE = "A delivery is running"
CLOSE_TEXT = (
    "Closing the window stops the delivery: parts being sent finish, the lock is released "
    "and progress is kept, so Start resumes it later."
)
STOP_AND_CLOSE_CHOICE, KEEP_RUNNING_CHOICE = "Stop and close", "Keep running"
COPY_DETAILS_TEXT = "Copy details"


def choice_box(
    parent: QWidget,
    title: str,
    text: str,
    choices: tuple[str, ...],
    default_choice: str,
    on_choice: Callable[[str], None],
) -> QMessageBox:
    """An open, window-modal box; `on_choice` gets the clicked choice (the default if closed)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    buttons: dict[QAbstractButton, str] = {}
    for choice in choices:
        role = QMessageBox.ButtonRole.AcceptRole
        if choice == default_choice:
            role = QMessageBox.ButtonRole.RejectRole  # Esc and the close box choose it
        button = box.addButton(choice, role)
        buttons[button] = choice
        if choice == default_choice:
            box.setDefaultButton(button)
            box.setEscapeButton(button)

    def finished() -> None:
        on_choice(buttons.get(box.clickedButton(), default_choice))

    box.finished.connect(finished)
    box.open()
    return box


def question_box(
    parent: QWidget, question: QuestionAsked, on_choice: Callable[[str], None]
) -> QMessageBox:
    """The session's question, its choices as buttons."""
    return choice_box(
        parent,
        question.title,
        question.text,
        question.choices,
        question.default_choice,
        on_choice,
    )


DELIVERY_CRASH_TITLE = "The delivery stopped on an internal error"
DELIVERY_CRASH_TEXT = (
    "The delivery stopped safely; what was sent is kept. Please report this with the details."
)
WINDOW_CRASH_TITLE = "Something went wrong in the window"
WINDOW_CRASH_TEXT = (
    "The window keeps running and a delivery in progress goes on, but what you just did may "
    "not have taken effect. Please report this with the details."
)


def crash_box(
    parent: QWidget,
    crash: SessionCrashed,
    *,
    title: str = DELIVERY_CRASH_TITLE,
    consequence: str = DELIVERY_CRASH_TEXT,
) -> QMessageBox:
    """A bug: what happened and what it means, details to copy into a report."""
    box = QMessageBox(
        QMessageBox.Icon.Critical, title, f"{crash.message}\n\n{consequence}", parent=parent
    )
    box.setDetailedText(crash.traceback_text)
    copy = box.addButton(COPY_DETAILS_TEXT, QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    copy.clicked.connect(
        lambda: QApplication.clipboard().setText(f"{crash.message}\n\n{crash.traceback_text}")
    )
    box.open()
    return box
