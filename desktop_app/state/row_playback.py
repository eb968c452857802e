"""What one message row's player shows, as the list model holds it.

The ``PlaybackController`` is the only writer (``MessageListModel.set_row_playback``) and
the model the only store: the delegate paints these values from the model's roles and
never asks the controller, so there is one path from the player to the screen.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowPlayback:
    """The player's state of one row; the default is a row the player has not touched."""

    loaded: bool = False  # this row's render is in the player
    playing: bool = False
    position_ms: int = 0
    duration_ms: int = (
        0  # the player's, once it knows; used when the render does not say its length
    )
    download: float | None = None  # 0..1 while the render is being fetched
    not_downloaded: bool = False  # offline, not cached and no own take: cannot play
    error: str = ""  # why the last play or download of this row failed
    loop: bool = False
    peaks: tuple[float, ...] | None = None  # computed locally for a render without any


NO_PLAYBACK = RowPlayback()
