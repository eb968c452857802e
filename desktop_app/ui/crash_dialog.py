"""The dialog an uncaught exception shows: what happened, where the log is, and never more
than one at a time.

An error inside a paint event or a timer repeats many times a second; a dialog per
occurrence would bury the app. :class:`CrashReporter` keeps a single non-modal dialog and,
while it is open, counts further errors into it ("This happened 12 times") and shows the
latest traceback. Reports may come from any thread (``threading.excepthook``); they are
queued to the GUI thread through a signal before any widget is touched.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui import theme


class CrashDialog(QDialog):
    """One error report. ``add_occurrence`` updates it in place instead of stacking."""

    def __init__(self, log_file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle("Sequencer — unexpected error")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self._log_file = log_file
        self.count = 0

        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size)
        )
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)

        title = QLabel("Something went wrong")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.hint = QLabel(
            "Sequencer keeps running, but what you were doing may not have finished. "
            f"The full report was written to the log:<br><code>{log_file}</code>"
        )
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint.setStyleSheet(f"color: {theme.TEXT_DIM};")

        self.counter = QLabel()
        self.counter.setStyleSheet(f"color: {theme.WARNING};")
        self.counter.hide()

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setFont(theme.mono_font())
        self.details.setMinimumHeight(180)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.hide()

        self.details_button = QPushButton("Show details")
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self._toggle_details)
        self.open_log_button = QPushButton("Open log folder")
        self.open_log_button.clicked.connect(self.open_log_folder)
        self.copy_button = QPushButton("Copy report")
        self.copy_button.clicked.connect(self.copy_report)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        buttons.addButton(self.details_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.open_log_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)

        text = QVBoxLayout()
        text.addWidget(title)
        text.addWidget(self.summary)
        text.addSpacing(4)
        text.addWidget(self.hint)
        text.addWidget(self.counter)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addSpacing(8)
        top.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(560, 220)

    def add_occurrence(self, summary: str, details: str) -> None:
        self.count += 1
        self.summary.setText(summary)
        self.details.setPlainText(details)
        if self.count > 1:
            self.counter.setText(
                f"This error has happened {self.count} times; the latest is shown."
            )
            self.counter.show()

    def report_text(self) -> str:
        return f"{self.summary.text()}\n\n{self.details.toPlainText()}\nLog: {self._log_file}\n"

    @Slot()
    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report_text())

    @Slot()
    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._log_file.parent)))

    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText("Hide details" if shown else "Show details")
        self.adjustSize()


class CrashReporter(QObject):
    """Thread-safe entry point for :class:`~desktop_app.logging_setup.ExceptionHook`."""

    _incoming = Signal(str, str)

    def __init__(self, log_file: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._log_file = log_file
        self._window: QWidget | None = None
        self.dialog: CrashDialog | None = None
        # Queued explicitly: even a report from the GUI thread (e.g. inside a paint
        # event) is shown after the current event returns, not re-entrantly.
        self._incoming.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def set_window(self, window: QWidget | None) -> None:
        """The window dialogs are centred on (created after the reporter)."""
        self._window = window

    def report(self, summary: str, details: str) -> None:
        self._incoming.emit(summary, details)

    @Slot(str, str)
    def _show(self, summary: str, details: str) -> None:
        if self.dialog is None or not self.dialog.isVisible():
            if self.dialog is not None:
                self.dialog.deleteLater()
            self.dialog = CrashDialog(self._log_file, self._window)
        self.dialog.add_occurrence(summary, details)
        if not self.dialog.isVisible():
            self.dialog.show()
        self.dialog.raise_()
