"""What the server needs from a store to know its users: names with a role, and the
hashes of the tokens issued to them (never the tokens themselves)."""

from __future__ import annotations

from typing import Any, Protocol


class UserStore(Protocol):
    def create_user(self, name: str, admin: bool, created_at: str) -> bool:
        """Add the user; False when the name is taken."""

    def get_user(self, name: str) -> dict[str, Any] | None:
        """``{"name", "admin", "created_at", "last_seen", "revoked"}`` or None."""

    def list_users(self) -> list[dict[str, Any]]: ...
    def count_users(self) -> int: ...
    def add_token(self, name: str, token_hash: str, created_at: str) -> None:
        """Store a token's hash for the user (who stops being revoked)."""

    def revoke_user(self, name: str) -> bool:
        """Forget every token of the user at once (and count a revocation); False when
        there is no such user."""

    def revocations(self) -> int:
        """How many revocations the store has seen: a server process that finds the
        number changed checks its open event streams' tokens again at once."""

    def user_for_token(self, token_hash: str) -> dict[str, Any] | None:
        """The user a live token hash belongs to."""

    def touch_user(self, name: str, when: str) -> None:
        """Record when the user was last seen."""
