"""``sequencer-server users …`` and ``sequencer-server invite``: manage who may use the
server, against the server's own store (``--data-dir`` or ``MONGODB_URI``)."""

from __future__ import annotations

import argparse
import socket
import sys
from collections.abc import Callable

from sequencer_server.config import Settings
from sequencer_server.invite import Invite, format_invite
from sequencer_server.store import MessageStore, store_from_settings
from sequencer_server.tls import existing_certificate
from sequencer_server.users import UserError, add_user, issue_token

DEFAULT_PORT = 8000


def add_parsers(
    sub: argparse._SubParsersAction, data_dir: Callable[[argparse.ArgumentParser], None]
) -> None:
    users = sub.add_parser("users", help="add, list and revoke users and their tokens")
    data_dir(users)
    actions = users.add_subparsers(dest="users_command", required=True)
    add = actions.add_parser("add", help="create a user; prints its token as the last line")
    add.add_argument("name")
    add.add_argument("--admin", action="store_true", help="may delete anyone's messages")
    actions.add_parser("list", help="names, roles, created, last seen (never tokens)")
    revoke = actions.add_parser("revoke", help="every token of the user stops working now")
    revoke.add_argument("name")
    token = actions.add_parser(
        "token", help="a new token for the user (older ones work until revoked)"
    )
    token.add_argument("name")
    for action in actions.choices.values():
        data_dir(action)

    invite = sub.add_parser(
        "invite",
        help="create the user (or a new token for an existing one) and print an invite "
        "string with the server's URL, the token and, for HTTPS, the certificate fingerprint",
    )
    data_dir(invite)
    invite.add_argument("name")
    invite.add_argument(
        "--url",
        help="the address bandmates reach the server at (default: PUBLIC_BASE_URL, else "
        f"this machine's name on port {DEFAULT_PORT}, https when it has a certificate)",
    )
    invite.add_argument("--admin", action="store_true", help="a new user is an admin")


def run(settings: Settings, args: argparse.Namespace) -> int:
    store = store_from_settings(settings)
    try:
        if args.command == "invite":
            return _invite(store, settings, args)
        return _users(store, args)
    except UserError as exc:
        print(f"sequencer-server {args.command}: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()


def _users(store: MessageStore, args: argparse.Namespace) -> int:
    action = args.users_command
    if action == "add":
        token = add_user(store, args.name, admin=args.admin)
        role = "admin" if args.admin else "user"
        print(f"Added {role} {args.name.strip()!r}. Their token (shown once):")
        print(token)
    elif action == "token":
        token = issue_token(store, args.name)
        print(f"New token for {args.name!r} (older tokens work until `users revoke`):")
        print(token)
    elif action == "revoke":
        if not store.revoke_user(args.name):
            raise UserError(f"no user {args.name!r}")
        print(f"Revoked every token of {args.name!r}.")
    else:
        rows = store.list_users()
        print(f"{'NAME':<24} {'ROLE':<8} {'CREATED':<21} LAST SEEN")
        for u in rows:
            role = "revoked" if u["revoked"] else "admin" if u["admin"] else "user"
            print(f"{u['name']:<24} {role:<8} {u['created_at']:<21} {u['last_seen'] or 'never'}")
    return 0


def _invite(store: MessageStore, settings: Settings, args: argparse.Namespace) -> int:
    cert = existing_certificate(settings.data_dir)
    url = args.url or settings.public_base_url
    if not url:
        scheme = "https" if cert else "http"
        url = f"{scheme}://{socket.gethostname()}:{DEFAULT_PORT}"
    if store.get_user(args.name.strip()) is None:
        token = add_user(store, args.name, admin=args.admin)
    else:
        token = issue_token(store, args.name.strip())
    fingerprint = cert.fingerprint if cert and url.startswith("https:") else None
    print(f"Invite for {args.name.strip()!r}; send it to them privately, it holds their token:")
    print(format_invite(Invite(url.rstrip("/"), token, fingerprint)))
    return 0
