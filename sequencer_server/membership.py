"""Who may see a thread, and who changes its members. Everyone sees a public thread; a
private one its members (the thread's ``users``) and admins. A thread a user may not see
is answered 404, as if it did not exist, so its name and id leak nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import HTTPException

from sequencer_server.store.users_base import UserStore
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


def may_remove(thread: dict[str, Any], user: User) -> bool:
    """Whether ``user`` may remove members other than themselves: the thread's creator and
    admins (the shared token is one). A band's thread is its creator's to manage; any
    member may leave. Threads from before creators were recorded are the admins' to
    manage."""
    return user.admin or (
        thread.get("created_by") is not None and thread["created_by"] == user.name
    )


def check_members_exist(store: UserStore, user: User, names: Iterable[str]) -> None:
    """On a server with accounts a member a user names is an account: a name that is not
    one would be given the whole thread the day someone creates that account. The shared
    ``API_TOKEN`` keeps the seed's free names (a seed client lists whom it likes, and the
    desktop app's embedded server, which it reaches with that token, names its own user
    whatever the settings say); it is an admin, trusted with the server."""
    wanted = list(dict.fromkeys(names))
    if not wanted or user.service or store.count_users() == 0:
        return
    unknown = [n for n in wanted if store.get_user(n) is None]
    if unknown:
        shown = ", ".join(repr(n[:64]) for n in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise HTTPException(422, f"users: not accounts on this server: {shown}{more}")


def check_member_count(users: list[str], limit: int) -> None:
    if len(users) > limit:
        raise HTTPException(
            422, f"users: {len(users)} members; a thread has at most {limit} (MAX_THREAD_USERS)"
        )
