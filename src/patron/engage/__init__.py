"""Reaching the members: the channels messages go out by (channels/) and the messages
themselves. Transactional messages (a login link, a receipt) live apart from marketing
ones and never carry marketing (issue 16 builds the campaigns on the same channels)."""
