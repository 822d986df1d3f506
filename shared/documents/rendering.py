"""After numbering: the rendering of a written document — its states, the sweep's automatic tries with their
doubling backoff, and what a page says of a document not rendered yet. One set of rules for every service
that issues documents (intake's casework letters, devolution's 第三十四条 notice), so the office reads the
same words and gets the same retries on either.

Pure: each service applies these to its own ``issued_document`` rows; :mod:`shared.documents.sweep` picks the
rows that are due."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

#: a document's states: numbered but not rendered yet, rendered (files stored, addressees told), failed
PENDING, ISSUED, FAILED = "pending", "issued", "failed"
#: what a page says of a document not rendered (yet)
STATE_TEXTS = {PENDING: "文书生成中", FAILED: "生成失败（将自动重试）"}
GIVEN_UP_TEXT = "生成失败（已停止自动重试，请重新生成）"
#: the sweep's tries of a failed rendering before it waits for the office's 重新生成: 1, 2, 4, 8, 16 minutes
AUTOMATIC_TRIES = 6
FIRST_RETRY = timedelta(minutes=1)
#: a pending document younger than this is being rendered by the request that numbered it
RENDER_GRACE = timedelta(minutes=2)


class Rendering(Protocol):
    """What these rules read and write on a service's document row."""

    state: str
    attempts: int
    last_error: str | None
    retry_at: datetime | None
    rendered_at: datetime | None


def retry_delay(attempts: int) -> timedelta:
    """How long after its ``attempts``-th failed try a document is tried again (doubling each time)."""
    return FIRST_RETRY * 2 ** max(attempts - 1, 0)


def retried_automatically(state: str, attempts: int) -> bool:
    """Whether the sweep will still try a document in ``state`` after ``attempts`` tries."""
    return state in (PENDING, FAILED) and attempts < AUTOMATIC_TRIES


def state_text(state: str, attempts: int) -> str:
    """What a page says of a document not yet rendered (empty once issued)."""
    if state == FAILED and not retried_automatically(state, attempts):
        return GIVEN_UP_TEXT
    return STATE_TEXTS.get(state, "")


def mark_rendered(document: Rendering, at: datetime) -> None:
    """The try that rendered it: issued, nothing left to retry."""
    document.state, document.last_error, document.retry_at = ISSUED, None, None
    document.attempts += 1
    document.rendered_at = at


def mark_failed(document: Rendering, error: str, at: datetime) -> None:
    """A try that failed: the error kept for the office, the next try after the backoff."""
    document.state, document.last_error = FAILED, error[:1000]
    document.attempts += 1
    document.retry_at = at + retry_delay(document.attempts)


def restart_tries(document: Rendering) -> None:
    """The office's 重新生成: a failed document gets its automatic tries back (its number and words stay)."""
    if document.state == FAILED:
        document.attempts = 0
