"""The transactional messages Patron sends a member: what they asked for, nothing else.

A transactional message carries no offer, no newsletter and no unsubscribe link, and goes
out whatever the member's marketing consent (issue 16 keeps marketing apart)."""

from __future__ import annotations

from datetime import timedelta

from patron.engage.channels.mail import Message


def login_link(to: str, name: str | None, link: str, valid_for: timedelta) -> Message:
    """The portal's magic link (web/portal.py). It says how long the link works, that it
    works once, and what to do with a link nobody asked for."""
    minutes = int(valid_for.total_seconds() // 60)
    greeting = f"Hello {name}," if name else "Hello,"
    text = (
        f"{greeting}\n\n"
        "Somebody, we hope you, asked to log in to your loyalty account with this address.\n"
        f"To log in, open this link within {minutes} minutes:\n\n"
        f"{link}\n\n"
        "The link works once. If you did not ask for it, ignore this message: nobody can\n"
        "log in without the link.\n"
    )
    return Message(to=to, subject="Your login link", text=text)


def join_confirmation(to: str, name: str | None, link: str, valid_for: timedelta) -> Message:
    """The message a new member gets on joining: the link that proves the address, which
    also adds the purchases the shop recorded under it (services/unclaimed.py)."""
    minutes = int(valid_for.total_seconds() // 60)
    greeting = f"Hello {name}," if name else "Hello,"
    text = (
        f"{greeting}\n\n"
        "Welcome to the loyalty program. To confirm that this address is yours, open this\n"
        f"link within {minutes} minutes:\n\n"
        f"{link}\n\n"
        "Once confirmed, purchases the shop recorded under this address before you joined\n"
        "are added to your account, with their points. The link works once; you can ask\n"
        "for another on the login page. If you did not join, ignore this message.\n"
    )
    return Message(to=to, subject="Confirm your address", text=text)


def survey_alert(
    to: str,
    *,
    survey: str,
    kind: str,
    score: int,
    comment: str | None,
    member: str,
    purchase_id: int | None,
    answered_at: str,
) -> Message:
    """A detractor's answer, to the address that follows them up (PATRON_SURVEY_ALERT_EMAIL):
    staff's mail, not the member's; it names the member by their external id."""
    scale = "0–10" if kind == "nps" else "1–5"
    about = f"purchase {purchase_id}" if purchase_id is not None else "no purchase named"
    text = (
        f"A member gave a low score to the survey {survey!r}.\n\n"
        f"Member: {member}\n"
        f"Score: {score} on {scale} ({kind.upper()})\n"
        f"About: {about}\n"
        f"Answered: {answered_at} UTC\n"
        f"Comment: {comment or '(none)'}\n\n"
        "Follow up with them; `patron surveys responses` lists the latest answers.\n"
    )
    return Message(to=to, subject=f"Survey alert: {kind.upper()} {score} from {member}", text=text)
