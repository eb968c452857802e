"""Who may see a thread: everyone for a public thread; for a private one its members
(the thread's ``users``) and admins. A thread a user may not see is answered 404, as if
it did not exist, so its name and id leak nothing."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException

from sequencer_server.users import User


def can_see(thread: dict[str, Any], user: User) -> bool:
    return not thread.get("private") or user.admin or user.name in thread.get("users", [])


def visible_thread_or_404(thread: dict[str, Any] | None, thread_id: str, user: User) -> dict:
    if thread is None or not can_see(thread, user):
        raise HTTPException(404, f"thread {thread_id!r} not found")
    return thread


def public_thread(thread: dict[str, Any]) -> dict[str, Any]:
    """``private: true`` on private threads; public ones keep the seed's exact shape."""
    out = {k: v for k, v in thread.items() if k != "private"}
    if thread.get("private"):
        out["private"] = True
    return out
