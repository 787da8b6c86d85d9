"""The channels a message goes out by: e-mail (mail.py) first; webhooks and SMS next."""
