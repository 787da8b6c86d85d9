"""The suppression list as staff manage it (API, CLI, console): list, add, remove.

The list itself, its normalised addresses and the gate that reads it are the message
core's (services/messages.py); this module checks what staff type (a known channel, an
address that is one once normalised) and says so clearly, changing nothing, when it is
not. An entry keeps who added it, from where and when; hard bounces are added by the
delivery (services/deliveries.py) with the reason `bounce`.
"""

from __future__ import annotations

from dataclasses import dataclass

from patron.domain.errors import InvalidInput
from patron.domain.messages import Channel, SuppressionReason, address_key, address_problem
from patron.services.messages import suppress, unsuppress
from patron.store.messages import Suppression as Suppression
from patron.store.uow import UnitOfWork

MAX_LISTED = 500


@dataclass(frozen=True, slots=True)
class ChangeSuppression:
    channel: str
    address: str
    source: str  # api, cli, console
    actor: str | None = None
    reason: str = SuppressionReason.MANUAL.value


def _channel(name: str) -> Channel:
    try:
        return Channel(name)
    except ValueError:
        names = ", ".join(c.value for c in Channel)
        raise InvalidInput(f"channel: {name!r} is not one of {names}") from None


def _checked(command: ChangeSuppression) -> tuple[Channel, str]:
    channel = _channel(command.channel)
    problem = address_problem(channel, command.address)
    key = address_key(channel, command.address)
    if problem is not None or key is None:
        raise InvalidInput(f"address: {command.address!r} {problem} for {channel.value}")
    return channel, key


def add_suppression(uow: UnitOfWork, command: ChangeSuppression) -> bool:
    """Suppress the address; whether it was not on the list before."""
    channel, address = _checked(command)
    try:
        reason = SuppressionReason(command.reason)
    except ValueError:
        names = ", ".join(r.value for r in SuppressionReason)
        raise InvalidInput(f"reason: {command.reason!r} is not one of {names}") from None
    return suppress(uow, channel, address, reason, command.source, command.actor)


def remove_suppression(uow: UnitOfWork, command: ChangeSuppression) -> bool:
    """Take the address off the list; whether it was on it."""
    channel, address = _checked(command)
    return unsuppress(uow, channel, address)


def suppression_list(
    uow: UnitOfWork, channel: str | None = None, limit: int = MAX_LISTED
) -> list[Suppression]:
    """The newest entries first, of one channel or all."""
    chosen = _channel(channel) if channel else None
    return uow.suppressions.listed(chosen, min(limit, MAX_LISTED))
