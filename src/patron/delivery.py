"""The worker's message delivery: claim the queued messages due, prepare them together,
then for each, outside any transaction, render and send it, and record what happened
(services/deliveries.py).

Design overview. `MessageDelivery.step()` is one pass, called from `Worker.step`: one
transaction claims up to `batch` messages (the record before the send); one prepares
them all (the gate asked again: a member who unsubscribed since the enqueue gets
nothing; the members' fields read in batched queries); then each is rendered
(engage/render.py, each template compiled once per process), handed to its channel,
and its outcome kept: SMTP 2xx `sent`; 4xx or no answer `deferred` and retried with
backoff, `failed` after the last attempt; 5xx `bounced` and the address suppressed; a
template that does not render `failed` with the reason, and the worker goes on with the
next message. The outcomes are recorded together, in one transaction every
`record_every` messages and at the end of the batch (the mark after the send). A crash
between the claim and the record leaves those messages `sending` until their lease runs
out (or the next start on SQLite): they are sent again, at most the `record_every` sent
since the last record. That is the price of not paying a transaction per message.

E-mail goes by the SMTP sender (engage/channels/mail.py), which keeps its connection
from message to message and batch to batch; a pass that finds nothing ends it. A
marketing e-mail goes from its own From when one is set, with `List-Unsubscribe` and
`List-Unsubscribe-Post`; a transactional one with neither. SMS and push go by one
`TextSender` each (None: that channel is not configured, and its messages are deferred,
then failed, saying so).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from patron.bootstrap import Patron
from patron.domain.messages import Channel
from patron.domain.webhooks import RetryPolicy
from patron.engage.channels.mail import MailNotSent, MailSender, Message
from patron.engage.channels.text import TextNotSent, TextSender
from patron.engage.render import Rendered, RenderFailed, choose, render
from patron.services import deliveries as uc

log = logging.getLogger("patron.delivery")


@dataclass(frozen=True)
class DeliveryOptions:
    """`base_url`: the portal's public URL (PATRON_PUBLIC_URL), where the links in
    messages point; `marketing_from`: the From of marketing mail (None: the sender's)."""

    base_url: str
    default_locale: str = "en"
    marketing_from: str | None = None
    unsubscribe_mailto: str | None = None
    batch: int = 20
    lease: timedelta = timedelta(minutes=10)
    record_every: int = 20  # messages sent between two records of their outcomes
    policy: RetryPolicy = uc.DEFAULT_POLICY


@dataclass
class MessageCounts:
    sent: int = 0
    deferred: int = 0
    bounced: int = 0
    failed: int = 0
    refused: int = 0
    reconciled: int = 0


@dataclass
class Senders:
    mail: MailSender
    sms: TextSender | None = None
    push: TextSender | None = None


@dataclass
class MessageDelivery:
    patron: Patron
    senders: Senders
    options: DeliveryOptions
    counts: MessageCounts = field(default_factory=MessageCounts)

    def reconcile(self, single: bool) -> int:
        taken = self.patron.run(uc.reconcile_messages, single)
        self.counts.reconciled += taken
        return taken

    def step(self, stopping: Callable[[], bool] = lambda: False) -> int:
        """One pass: the messages claimed (0: nothing was due). When `stopping()` turns
        true the claimed ones not yet sent are put back untouched (SIGTERM)."""
        claim = uc.Claim(self.options.batch, self.options.lease)
        claimed = self.patron.run(uc.claim_messages, claim)
        if not claimed:
            self.close()  # idle: the mail connection kept so far is ended
            return 0
        command = uc.PrepareBatch(
            claimed,
            self.options.base_url,
            self.options.default_locale,
            self.options.unsubscribe_mailto,
        )
        prepared = self.patron.run(uc.prepare_batch, command)
        outcomes: list[uc.Finish] = []
        try:
            for done, ready in enumerate(prepared):
                if stopping():
                    self.patron.run(uc.release_messages, claimed[done:])
                    self.close()
                    break
                if ready is None:
                    self.counts.refused += 1
                    continue
                outcomes.append(self._attempt(ready))
                if len(outcomes) >= self.options.record_every:
                    self._record(outcomes)
                    outcomes = []
        finally:
            self._record(outcomes)
        return len(claimed)

    def close(self) -> None:
        """End the connection the mail sender keeps between messages, if it keeps one."""
        close = getattr(self.senders.mail, "close", None)
        if close is not None:
            close()

    def _attempt(self, ready: uc.Prepared | uc.Unprepared) -> uc.Finish:
        """Render and send one prepared message: the outcome to record."""
        if isinstance(ready, uc.Unprepared):
            # its fields cannot be read (no program loaded, say): this message fails with
            # the reason, the worker goes on with the others
            return uc.Finish(ready.claimed, uc.Outcome.FAILED, None, ready.reason)
        claimed = ready.claimed
        try:
            rendered = render(
                claimed.template, choose(claimed.template, ready.locale, ready.stored), ready.fields
            )
        except RenderFailed as exc:
            return self._finish(ready, uc.Outcome.FAILED, str(exc))
        try:
            self._send(ready, rendered)
        except (MailNotSent, TextNotSent) as exc:
            outcome = uc.Outcome.BOUNCED if exc.permanent else uc.Outcome.RETRY
            return self._finish(ready, outcome, str(exc))
        return self._finish(ready, uc.Outcome.SENT, None)

    def _send(self, prepared: uc.Prepared, rendered: Rendered) -> None:
        if prepared.channel is Channel.EMAIL:
            message = Message(
                to=prepared.address,
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                headers=dict(prepared.headers),
                sender=self.options.marketing_from if prepared.marketing else None,
            )
            self.senders.mail.send(message)
            return
        sender = self.senders.sms if prepared.channel is Channel.SMS else self.senders.push
        if sender is None:
            raise TextNotSent(
                f"no {prepared.channel.value} provider is configured"
                f" (PATRON_{prepared.channel.value.upper()}_URL)",
                permanent=False,
            )
        sender.send(prepared.address, rendered.text, prepared.claimed.message_id)

    def _finish(self, prepared: uc.Prepared, outcome: uc.Outcome, error: str | None) -> uc.Finish:
        address = prepared.address
        return uc.Finish(prepared.claimed, outcome, address, error, self.options.policy)

    def _record(self, outcomes: list[uc.Finish]) -> None:
        """The outcomes of the messages sent since the last record, in one transaction."""
        if not outcomes:
            return
        statuses = self.patron.run(uc.finish_batch, outcomes)
        for finished, status in zip(outcomes, statuses, strict=True):
            if status == "sent":
                self.counts.sent += 1
            elif status == "deferred":
                self.counts.deferred += 1
            elif status == "bounced":
                self.counts.bounced += 1
            else:
                self.counts.failed += 1
            if finished.error:
                log.warning(
                    "message %d: %s: %s", finished.claimed.message_id, status, finished.error
                )
