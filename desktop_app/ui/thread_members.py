"""Who a private thread's members are, in the words the conversation header and the
thread list's tooltip share.

A private thread without members is one made with the shared token (its threads record
neither a creator nor the token as a member, old ones and new): only the server's admins
see it. It used to read "members: you" on every screen that showed it — also to an admin
account that never made it.
"""

from __future__ import annotations

from collections.abc import Sequence

NO_MEMBERS = "no members — the server's admins see it"


def names(users: Sequence[str], most: int = 4) -> str:
    """ "ada, bo, cy" — the first ``most`` names and how many more, so a busy thread's
    header keeps to one short line."""
    shown = ", ".join(users[:most])
    return f"{shown} +{len(users) - most}" if len(users) > most else shown


def private_members(users: Sequence[str], own: str, most: int = 4) -> str:
    """ "members: you, bo" — "you" first in place of your own name (the same words on
    every member's screen, whoever made the thread), or that it has none."""
    if not users:
        return NO_MEMBERS
    others = [u for u in users if u != own]
    return "members: " + names(["you", *others] if own in users else others, most)
