"""The worker's message delivery: claim the queued messages due, then for each, outside
any transaction, render and send it, and record what happened (services/deliveries.py).

Design overview. `MessageDelivery.step()` is one pass, called from `Worker.step`: one
transaction claims up to `batch` messages (the record before the send), then each is
prepared (the gate asked again: a member who unsubscribed since the enqueue gets
nothing), rendered (engage/render.py), handed to its channel and its outcome recorded:
SMTP 2xx `sent`; 4xx or no answer `deferred` and retried with backoff, `failed` after
the last attempt; 5xx `bounced` and the address suppressed; a template that does not
render `failed` with the reason, and the worker goes on with the next message. A crash
between the claim and the record leaves the message `sending` until its lease runs out
(or the next start on SQLite): it is sent again, the only one that can be.

E-mail goes by the SMTP sender (engage/channels/mail.py); a marketing e-mail from its own
From when one is set, with `List-Unsubscribe` and `List-Unsubscribe-Post`; a
transactional one with neither. SMS and push go by one `TextSender` each (None: that
channel is not configured, and its messages are deferred, then failed, saying so).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from patron.bootstrap import Patron
from patron.domain.errors import PatronError
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
        for done, one in enumerate(claimed):
            if stopping():
                self.patron.run(uc.release_messages, claimed[done:])
                break
            self.deliver(one)
        if not claimed or stopping():
            self.close()  # idle or leaving: the mail connection kept so far is ended
        return len(claimed)

    def close(self) -> None:
        """End the connection the mail sender keeps between messages, if it keeps one."""
        close = getattr(self.senders.mail, "close", None)
        if close is not None:
            close()

    def deliver(self, claimed: uc.Claimed) -> None:
        command = uc.Prepare(
            claimed,
            self.options.base_url,
            self.options.default_locale,
            self.options.unsubscribe_mailto,
        )
        try:
            prepared = self.patron.run(uc.prepare, command)
        except PatronError as exc:
            # its fields cannot be read (no program loaded, say): this message fails with
            # the reason, the worker goes on with the others
            failed = uc.Finish(claimed, uc.Outcome.FAILED, None, exc.message)
            self.patron.run(uc.finish, failed)
            self.counts.failed += 1
            log.warning("message %d: failed: %s", claimed.message_id, exc.message)
            return
        if prepared is None:
            self.counts.refused += 1
            return
        try:
            rendered = render(
                claimed.template,
                choose(claimed.template, prepared.locale, prepared.stored),
                prepared.fields,
            )
        except RenderFailed as exc:
            self._finish(prepared, uc.Outcome.FAILED, str(exc))
            return
        try:
            self._send(prepared, rendered)
        except MailNotSent as exc:
            outcome = uc.Outcome.BOUNCED if exc.permanent else uc.Outcome.RETRY
            self._finish(prepared, outcome, str(exc))
            return
        except TextNotSent as exc:
            outcome = uc.Outcome.BOUNCED if exc.permanent else uc.Outcome.RETRY
            self._finish(prepared, outcome, str(exc))
            return
        self._finish(prepared, uc.Outcome.SENT, None)

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

    def _finish(self, prepared: uc.Prepared, outcome: uc.Outcome, error: str | None) -> None:
        command = uc.Finish(prepared.claimed, outcome, prepared.address, error, self.options.policy)
        status = self.patron.run(uc.finish, command)
        if status == "sent":
            self.counts.sent += 1
        elif status == "deferred":
            self.counts.deferred += 1
        elif status == "bounced":
            self.counts.bounced += 1
        else:
            self.counts.failed += 1
        if error:
            log.warning("message %d: %s: %s", prepared.claimed.message_id, status, error)
