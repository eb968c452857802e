"""New private thread…: a name and the members, ticked from the server's users; the
thread is seen by them alone (the server adds its creator)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui import theme


def lock_icon(size: int = 16) -> QIcon:
    """A small padlock, painted (no icon theme ships one everywhere)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(theme.ACCENT)
    pen = p.pen()
    pen.setColor(colour)
    pen.setWidthF(size / 8)
    p.setPen(pen)
    p.drawArc(QRectF(size * 0.28, size * 0.08, size * 0.44, size * 0.5), 0, 180 * 16)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawRoundedRect(QRectF(size * 0.18, size * 0.42, size * 0.64, size * 0.5), 2, 2)
    p.end()
    return QIcon(pixmap)


NO_MEMBERS_HINT = "No one else has an account on this server yet: only you will see it."


class PrivateThreadDialog(QDialog):
    def __init__(self, users: Sequence[str], me: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("New private thread")
        self.name = QLineEdit()
        self.name.setPlaceholderText("Name of the thread")
        self.members = QListWidget()
        for user in users:
            if user == me:
                continue  # the creator is always a member
            item = QListWidgetItem(user)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.members.addItem(item)
        if self.members.count() == 0:  # an empty box looked broken: say why it is empty
            hint = QListWidgetItem(NO_MEMBERS_HINT)
            hint.setFlags(Qt.ItemFlag.NoItemFlags)
            self.members.addItem(hint)
            self.members.setWordWrap(True)
        note = QLabel("Only the members you tick (and you) will see this thread.")
        note.setWordWrap(True)
        self.message = QLabel()
        self.message.setStyleSheet(f"color: {theme.ERROR};")
        self.message.hide()
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Members", self.members)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.create_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def chosen(self) -> tuple[str, ...]:
        items = (self.members.item(i) for i in range(self.members.count()))
        return tuple(
            i.text()
            for i in items
            if i.flags() & Qt.ItemFlag.ItemIsUserCheckable
            and i.checkState() == Qt.CheckState.Checked
        )

    def accept(self) -> None:
        if not self.name.text().strip():
            self.message.setText("A thread needs a name.")
            self.message.show()
            return
        super().accept()
