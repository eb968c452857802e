"""Private threads: invisible (404) to non-members; members add accounts and leave, the
creator and admins remove others; renders served only through fresh, expiring signed
URLs."""

from __future__ import annotations

import http.client
import time
from urllib.parse import parse_qs, urlsplit

import boto3
import requests

from sequencer_server.signed_urls import UrlSigner
from sequencer_server.threaded import ThreadedServer
from sequencer_server.users import add_user
from tests.conftest import S3_KEYS, TOKEN, make_backend
from tests.server.helpers import Client, mp3_bytes


def _setup(backend, url):
    tokens = {n: add_user(backend.store, n) for n in ("alice", "bob", "eve")}
    tokens["root"] = add_user(backend.store, "root", admin=True)
    clients = {n: Client(url, t) for n, t in tokens.items()}
    r = clients["alice"].http.post(
        f"{url}/api/v1/threads",
        json={"token": tokens["alice"], "name": "Secret", "private": True, "users": ["bob"]},
    )
    assert r.status_code == 201, r.text
    return clients, r.json()


def _get(c: Client, path: str) -> requests.Response:
    return c.http.get(f"{c.url}{path}", params={"token": c.token})


def test_non_members_get_404_everywhere(live_backend):
    backend, url = live_backend
    clients, thread = _setup(backend, url)
    assert thread["private"] is True and set(thread["users"]) == {"alice", "bob"}
    alice, eve = clients["alice"], clients["eve"]
    message = alice.create_message(thread["id"], user_id="alice").json()
    tid, mid = thread["id"], message["id"]

    assert _get(eve, f"/api/v1/threads/{tid}").status_code == 404
    assert _get(eve, f"/api/v1/threads/{tid}/messages").status_code == 404
    assert _get(eve, f"/api/v1/messages/{mid}").status_code == 404
    assert eve.create_message(tid, user_id="eve").status_code == 404
    assert eve.attach(mid, eve.upload().json()).status_code == 404
    r = eve.http.delete(f"{url}/api/v1/messages/{mid}", params={"token": eve.token})
    assert r.status_code == 404
    r = eve.http.post(
        f"{url}/api/v1/threads/{tid}/members", json={"token": eve.token, "users": ["eve"]}
    )
    assert r.status_code == 404
    assert tid not in [t["id"] for t in _get(eve, "/api/v1/threads").json()]
    assert _get(alice, f"/api/v1/messages/{mid}").status_code == 200  # nothing was lost

    for name in ("bob", "root"):
        assert tid in [t["id"] for t in _get(clients[name], "/api/v1/threads").json()]
        assert _get(clients[name], f"/api/v1/messages/{mid}").status_code == 200
    # the shared token is an admin, and public threads keep the seed's shape
    assert _get(Client(url), f"/api/v1/threads/{tid}").status_code == 200
    public = eve.create_thread("Open")
    assert "private" not in public and "private" not in _get(eve, "/api/v1/threads").json()[0]


def test_members_add_accounts_and_leave_the_creator_and_admins_remove(live_backend):
    backend, url = live_backend
    clients, thread = _setup(backend, url)
    alice, bob, eve, root = (clients[n] for n in ("alice", "bob", "eve", "root"))
    path = f"{url}/api/v1/threads/{thread['id']}/members"
    assert thread["created_by"] == "alice"

    def members(c: Client, method: str, *users: str) -> requests.Response:
        return c.http.request(method, path, json={"token": c.token, "users": list(users)})

    added = members(bob, "POST", "eve")  # any member adds an account
    assert added.status_code == 200 and "eve" in added.json()["users"]
    assert _get(eve, f"/api/v1/threads/{thread['id']}").status_code == 200
    # a member removes nobody else, not even the creator, and nothing changes
    for victim in ("eve", "alice"):
        refused = members(bob, "DELETE", victim)
        assert refused.status_code == 403 and "creator" in refused.json()["detail"]
    assert set(_get(alice, f"/api/v1/threads/{thread['id']}").json()["users"]) == {
        "alice",
        "bob",
        "eve",
    }
    left = members(eve, "DELETE", "eve")  # any member leaves
    assert left.status_code == 200 and "eve" not in left.json()["users"]
    assert _get(eve, f"/api/v1/threads/{thread['id']}").status_code == 404
    removed = members(alice, "DELETE", "bob")  # the creator removes others
    assert removed.status_code == 200 and removed.json()["users"] == ["alice"]
    assert members(alice, "POST", "bob").status_code == 200
    by_admin = members(root, "DELETE", "alice")  # so does an admin, the creator included
    assert by_admin.status_code == 200 and by_admin.json()["users"] == ["bob"]


def test_members_must_be_accounts(live_backend):
    backend, url = live_backend
    clients, thread = _setup(backend, url)
    alice = clients["alice"]
    path = f"{url}/api/v1/threads/{thread['id']}/members"
    r = alice.http.post(path, json={"token": alice.token, "users": ["eve", "mallory", "ghost"]})
    assert r.status_code == 422
    assert "'mallory'" in r.json()["detail"] and "'ghost'" in r.json()["detail"]
    assert "eve" not in _get(alice, f"/api/v1/threads/{thread['id']}").json()["users"]
    body = {"token": alice.token, "name": "Other", "private": True, "users": ["mallory"]}
    created = alice.http.post(f"{url}/api/v1/threads", json=body)
    assert created.status_code == 422 and "'mallory'" in created.json()["detail"]
    # public threads too
    public = alice.create_thread("Open")
    eve = clients["eve"]
    r = eve.http.post(
        f"{url}/api/v1/threads/{public['id']}/members",
        json={"token": eve.token, "users": ["ghost"]},
    )
    assert r.status_code == 422 and "'ghost'" in r.json()["detail"]
    # the shared token (an admin; the seed's clients and the desktop's embedded server)
    # keeps free names
    service = Client(url)
    r = service.http.post(
        f"{url}/api/v1/threads/{public['id']}/members",
        json={"token": service.token, "users": ["Ana from the seed"]},
    )
    assert r.status_code == 200
    # then "mallory" becomes an account: she was never a member, and sees nothing
    mallory = Client(url, add_user(backend.store, "mallory"))
    assert _get(mallory, f"/api/v1/threads/{thread['id']}").status_code == 404


def test_without_accounts_members_stay_free_names(live_backend):
    """The seed's way: one shared token, users are names the clients chose."""
    _backend, url = live_backend
    service = Client(url)
    body = {"token": service.token, "name": "Seed", "users": ["ana", "ben"]}
    created = service.http.post(f"{url}/api/v1/threads", json=body)
    assert created.status_code == 201 and created.json()["users"] == ["ana", "ben"]
    assert "created_by" not in created.json()  # the seed's exact shape
    path = f"{url}/api/v1/threads/{created.json()['id']}/members"
    added = service.http.post(path, json={"token": service.token, "users": ["cleo"]})
    assert added.status_code == 200 and added.json()["users"] == ["ana", "ben", "cleo"]
    removed = service.http.delete(path, json={"token": service.token, "users": ["ana"]})
    assert removed.status_code == 200 and removed.json()["users"] == ["ben", "cleo"]


def test_a_thread_has_at_most_max_thread_users(tmp_path):
    from sequencer_server.threaded import ThreadedServer
    from tests.conftest import make_backend

    backend = make_backend("sqlite-local", tmp_path, None, MAX_THREAD_USERS="3")
    with ThreadedServer(backend.app()) as server:
        clients, thread = _setup(backend, server.url)
        alice = clients["alice"]
        path = f"{server.url}/api/v1/threads/{thread['id']}/members"
        assert alice.http.post(path, json={"token": alice.token, "users": ["eve"]}).ok
        r = alice.http.post(path, json={"token": alice.token, "users": ["root"]})
        assert r.status_code == 422 and "MAX_THREAD_USERS" in r.json()["detail"]
        body = {"token": alice.token, "name": "Big", "users": ["bob", "eve", "root"]}
        r = alice.http.post(f"{server.url}/api/v1/threads", json={**body, "private": True})
        assert r.status_code == 422


def _render_url(c: Client, message_id: str) -> str:
    return _get(c, f"/api/v1/messages/{message_id}").json()["renders"][0]["url"]


def test_private_renders_need_a_fresh_signature(live_backend):
    backend, url = live_backend
    clients, thread = _setup(backend, url)
    alice = clients["alice"]
    render = alice.upload().json()
    if backend.storage.name == "s3":  # uploaded like any render: public until attached
        assert _public_grants(backend, render)
    created = alice.create_message(thread["id"], user_id="alice", renders=[render]).json()
    assert created["renders"][0]["id"] == render["id"]
    signed = created["renders"][0]["url"]
    listed = _get(alice, f"/api/v1/threads/{thread['id']}/messages").json()["messages"][0]
    got = _render_url(alice, created["id"])
    assert {listed["renders"][0]["id"]} == {render["id"]}
    for fresh in (signed, listed["renders"][0]["url"], got):
        answer = requests.get(fresh)
        assert answer.status_code == 200 and answer.content == mp3_bytes()

    if backend.storage.name == "s3":
        assert "X-Amz-Signature" in signed or "Signature" in signed
        assert not _public_grants(backend, render)
    else:
        bare = signed.split("?")[0]
        refused = requests.get(bare)
        assert refused.status_code == 403
        assert refused.json()["detail"] == (
            "this recording belongs to a private thread: use the signed URL the API gives"
        )
        query = parse_qs(urlsplit(signed).query)
        forged = f"{bare}?exp={query['exp'][0]}&sig={'0' * 64}"
        assert requests.get(forged).status_code == 403
        later = f"{bare}?exp={int(query['exp'][0]) + 1}&sig={query['sig'][0]}"
        assert requests.get(later).status_code == 403
        signer = backend_app_signer(backend)
        old = signer.query(_key(render), now=time.time() - 2 * signer.ttl_s)
        assert requests.get(f"{bare}?{old}").status_code == 403


def test_another_spelling_of_a_private_key_is_no_key(live_backend):
    # "a//b", "a/./b", "a/b/" open the same file on disk but were judged public keys, so a
    # private recording was served without a signature, for good.
    backend, url = live_backend
    if backend.storage.name != "local":
        return  # S3 keys are plain strings: another spelling is another (missing) object
    clients, thread = _setup(backend, url)
    render = clients["alice"].upload().json()
    created = clients["alice"].create_message(thread["id"], user_id="alice", renders=[render])
    assert created.status_code == 201, created.text
    directory, _, name = _key(render).rpartition("/")
    env, _, kind = directory.partition("/")
    server = urlsplit(url)
    for spelling in (
        f"{env}//{kind}/{name}",
        f"{directory}/./{name}",
        f"{directory}/{name}/",
        f"./{directory}/{name}",
    ):
        for method in ("GET", "HEAD"):
            connection = http.client.HTTPConnection(server.hostname, server.port, timeout=10)
            connection.request(method, f"/media/{spelling}")  # sent as written, not normalised
            answer = connection.getresponse()
            assert answer.status == 404, (method, spelling, answer.status)
            connection.close()


def test_public_threads_keep_public_urls(live_backend):
    backend, url = live_backend
    c = Client(url)
    thread = c.create_thread()
    message, render = c.message_created_with_render(thread["id"])
    assert message["renders"][0]["url"] == render["url"]
    assert "sig=" not in render["url"] and "Signature" not in render["url"]
    if backend.storage.name == "local":
        assert requests.get(render["url"]).status_code == 200


def _public_grants(backend, render: dict) -> list:
    client = boto3.client("s3", endpoint_url=backend.settings.s3.endpoint_url,
                          region_name="us-east-1", **S3_KEYS)  # fmt: skip
    grants = client.get_object_acl(Bucket=backend.storage.bucket, Key=_key(render))
    return [g for g in grants["Grants"] if "AllUsers" in str(g["Grantee"])]


def _key(render: dict) -> str:
    return f"test/renders/{render['id']}.mp3"


def test_without_acls_a_private_render_loses_its_public_tag(tmp_path, moto_endpoint):
    # S3_ACL=none: the README's bucket policy makes objects tagged access=public readable.
    # A policy on the whole renders/ prefix served private recordings at their plain URL.
    backend = make_backend("sqlite-s3", tmp_path, moto_endpoint, S3_ACL="none")
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1", **S3_KEYS)

    def access(render: dict) -> dict[str, str]:
        tags = client.get_object_tagging(Bucket=backend.storage.bucket, Key=_key(render))
        return {t["Key"]: t["Value"] for t in tags["TagSet"]}

    with ThreadedServer(backend.app()) as server:
        clients, thread = _setup(backend, server.url)
        alice = clients["alice"]
        private = alice.upload().json()
        assert access(private) == {"access": "public"}  # like public-read: not yet attached
        assert not _public_grants(backend, private)  # and no ACL asked of the bucket
        created = alice.create_message(thread["id"], user_id="alice", renders=[private])
        assert created.status_code == 201, created.text
        assert access(private) == {"access": "private"}
        assert "Signature" in created.json()["renders"][0]["url"]

        public = clients["bob"].create_thread()
        _, render = clients["bob"].message_created_with_render(public["id"], user_id="bob")
        assert access(render) == {"access": "public"}


def backend_app_signer(backend) -> UrlSigner:
    """The signer of the app under test: the same data folder gives the same key."""
    from sequencer_server.signed_urls import load_secret

    settings = backend.settings
    return UrlSigner(
        load_secret(settings.signing_key, settings.data_dir), settings.signed_url_ttl_s
    )


def test_service_token_still_sees_everything(live_backend):
    backend, url = live_backend
    _clients, thread = _setup(backend, url)
    ids = [t["id"] for t in _get(Client(url, TOKEN), "/api/v1/threads").json()]
    assert thread["id"] in ids


def test_upload_replay_of_a_private_render_is_signed(live_backend):
    backend, url = live_backend
    clients, thread = _setup(backend, url)
    alice = clients["alice"]
    key = {"Idempotency-Key": "take-1"}
    first = alice.upload(headers=key).json()
    alice.create_message(thread["id"], user_id="alice", renders=[first])
    again = alice.upload(headers=key).json()
    assert again["id"] == first["id"] and again["url"] != first["url"]
    assert requests.get(again["url"]).status_code == 200
