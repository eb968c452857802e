"""Moving one outbox entry through its stages: (samples →) create → upload → attach.

Blocking and Qt-free, so the GUI (on a worker thread) and ``sequencer outbox flush`` share
it. Each stage is recorded in the outbox the moment the server confirms it; a transient
failure records when to try again, a permanent one marks the entry failed with the
server's own words.

Own samples go first: the server refuses a message whose snapshot names a sample it does
not hold. Each is looked up (``GET /api/v1/samples/{sha256}``), uploaded only when the
server answers 404, and marked uploaded in the outbox at once, so a resumed delivery
neither asks again nor uploads twice (and an upload repeated after a lost answer stores
nothing: samples are kept once per content). A sample the server refuses (not audio,
too big) fails the message for good, naming the sample.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from desktop_app.domain.draft import SampleFile
from desktop_app.domain.message import Message, Thread
from desktop_app.services.api import (
    ApiClient,
    AuthError,
    NotFoundError,
    PermanentApiError,
    Progress,
    TransientApiError,
)
from desktop_app.services.outbox import Outbox, OutboxEntry, Stage
from desktop_app.services.token_identity import TokenIdentity

log = logging.getLogger(__name__)

BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0


def backoff_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: about 1, 2, 4 … s, capped at a minute; the jitter
    keeps many clients from retrying in lockstep after a server restart."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    return ceiling * (rng or random).uniform(0.5, 1.0)


def retry_delay(exc: TransientApiError, attempts: int) -> float:
    """When to try again after ``exc``: when the server said (its ``Retry-After``, at
    least a second), else our own backoff."""
    if exc.retry_after is not None:
        return max(BACKOFF_BASE, exc.retry_after)
    return backoff_delay(attempts)


StageCallback = Callable[[OutboxEntry, Message | None], None]


class Author(Protocol):
    """Who a message goes out as (``TokenIdentity``): the token's user where the server
    has accounts, the name it was written under where the name is free."""

    def author(self, written_as: str) -> str: ...


class Delivery:
    def __init__(
        self,
        api: ApiClient,
        outbox: Outbox,
        *,
        identity: Author | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api = api
        self.outbox = outbox
        self.identity: Author = identity if identity is not None else TokenIdentity(api)
        self.clock = clock

    def deliver(
        self,
        entry: OutboxEntry,
        *,
        progress: Progress | None = None,
        on_stage: StageCallback | None = None,
    ) -> OutboxEntry:
        """Run the stages still to do. Returns the delivered entry, or raises the
        ``ApiError`` that stopped it after recording it in the outbox."""
        current = entry
        try:
            if current.stage == Stage.QUEUED:
                self._create_pending_thread(current.thread_id)
                for index, sample in enumerate(current.samples):
                    if not sample.uploaded:
                        self._ensure_sample(sample, progress)
                        # ``current`` moves on with each sample, so a failure after it
                        # records the entry with this sample marked.
                        current = self.outbox.save(
                            replace(current, samples=_uploaded(current.samples, index))
                        )
                        log.info("Sample %s of message %s is on the server",
                                 sample.sha256[:12], current.id)  # fmt: skip
                current = self._stamp_author(current)
                message = self.api.post_message(current.draft)
                next_stage = Stage.CREATED if current.audio else Stage.ATTACHED
                current = self.outbox.advance(current, next_stage)
                log.info("Message %s created on the server", current.id)
                if on_stage:
                    on_stage(current, message)
            if current.stage == Stage.CREATED:
                assert current.audio is not None
                if not current.audio.path.is_file():
                    raise PermanentApiError(None, "The recording for this message is missing")
                render = self.api.upload_audio(
                    current.audio.path,
                    bitrate=current.audio.bitrate,
                    duration=current.audio.duration,
                    peaks=current.audio.peaks,
                    progress=progress,
                    idempotency_key=current.upload_key,
                )
                current = self.outbox.advance(current, Stage.UPLOADED, render=render)
                log.info("Render %s of message %s uploaded", render.id, current.id)
                if on_stage:
                    on_stage(current, None)
            if current.stage == Stage.UPLOADED:
                assert current.render is not None
                render = current.render
                self.api.attach_render(current.id, render)
                current = self.outbox.advance(current, Stage.ATTACHED)
                log.info("Render %s attached to message %s", render.id, current.id)
                if on_stage:
                    on_stage(current, None)
        except TransientApiError as exc:
            attempts = current.attempts + 1
            delay = retry_delay(exc, attempts)
            self.outbox.save(
                replace(
                    current,
                    attempts=attempts,
                    next_attempt_at=self.clock() + delay,
                    last_error=exc.detail,
                )
            )
            log.warning(
                "Message %s: %s stage will retry in %.1f s (%s)",
                current.id, current.stage, delay, exc.detail,
            )  # fmt: skip
            raise
        except PermanentApiError as exc:
            self.outbox.save(
                replace(
                    current, stage=Stage.FAILED, failed_stage=current.stage, last_error=exc.detail
                )
            )
            log.error("Message %s failed at %s: %s", current.id, current.stage, exc.detail)
            raise
        return current

    def _stamp_author(self, entry: OutboxEntry) -> OutboxEntry:
        """The message goes out under the token's user, whatever name it was queued (or
        failed) under: a name changed in Settings, or one stamped while offline, would
        make the server refuse it — for good, and on every Retry."""
        author = self.identity.author(entry.user_id)
        if author == entry.user_id:
            return entry
        log.info("Message %s goes out as %r (queued as %r)", entry.id, author, entry.user_id)
        return self.outbox.save(replace(entry, user_id=author))

    def _ensure_sample(self, sample: SampleFile, progress: Progress | None) -> None:
        try:
            self.api.get_sample(sample.sha256)
            return
        except NotFoundError:
            pass
        if sample.path is None or not sample.path.is_file():
            raise PermanentApiError(
                None,
                f"The sample “{sample.label}” is neither on this computer nor on the server; "
                "choose the sound for its track again",
            )
        try:
            stored = self.api.upload_sample(sample.path, progress=progress)
        except AuthError:
            raise
        except PermanentApiError as exc:
            raise PermanentApiError(
                exc.status, f"The server refused the sample “{sample.label}”: {exc.detail}"
            ) from exc
        if stored.sha256 != sample.sha256:
            raise PermanentApiError(
                None,
                f"The sample “{sample.label}” changed on this computer after it was chosen "
                "(the server got other bytes)",
            )

    def _create_pending_thread(self, thread_id: str) -> Thread | None:
        """A message into a thread made offline creates that thread first (idempotent by
        its client-chosen id, so a repeat after a crash is harmless)."""
        pending = self.outbox.pending_thread(thread_id)
        if pending is None:
            return None
        thread = self.api.create_thread(pending.name, pending.users, thread_id=pending.id)
        # Renamed on the GUI thread while the request was out: the new name follows.
        while (renamed := self.outbox.remove_thread_named(pending.id, thread.name)) is not None:
            thread = self.api.rename_thread(thread.id, renamed.name)
        log.info("Thread %s (%s) created on the server", thread.id, thread.name)
        return thread

    def deliver_thread(self, thread_id: str) -> Thread | None:
        """Create one queued thread. Returns it (``None`` if it was not queued); raises the
        ``ApiError`` that stopped it. A refusal for good (a name the server rejects) drops
        it from the outbox — retrying cannot help — except a refused token, which the user
        can fix in Settings."""
        try:
            return self._create_pending_thread(thread_id)
        except AuthError:
            raise
        except PermanentApiError as exc:
            self.outbox.remove_thread(thread_id)
            log.error("Thread %s was refused: %s", thread_id, exc.detail)
            raise

    def retry(self, entry_id: str) -> OutboxEntry | None:
        """The user's Retry on a failed message: back to the stage that failed (a failed
        attach re-uploads, since the server did not accept the render it had)."""
        entry = self.outbox.get(entry_id)
        if entry is None or entry.stage != Stage.FAILED:
            return entry
        stage = entry.failed_stage or Stage.QUEUED
        render = entry.render
        if stage == Stage.UPLOADED:
            stage, render = Stage.CREATED, None
        samples = entry.samples
        if stage == Stage.QUEUED:  # the server may have removed a sample since: ask again
            samples = tuple(replace(s, uploaded=False) for s in samples)
        return self.outbox.save(
            replace(
                entry,
                stage=stage,
                render=render,
                samples=samples,
                failed_stage=None,
                attempts=0,
                next_attempt_at=0.0,
                last_error=None,
            )
        )

    def due(self, now: float | None = None) -> list[OutboxEntry]:
        now = self.clock() if now is None else now
        return [e for e in self.outbox.pending() if e.next_attempt_at <= now]


def _uploaded(samples: tuple[SampleFile, ...], index: int) -> tuple[SampleFile, ...]:
    return tuple(replace(s, uploaded=True) if i == index else s for i, s in enumerate(samples))
