"""Use cases: each one a function `(uow, command) -> result` run in one transaction.

A use case reads and writes through the unit of work it is given and leaves the commit
to its caller (`bootstrap.Patron.run`, or the API when it must store an idempotent
response in the very same transaction). Every change is written with the domain events
that describe it, to the outbox, in that transaction.
"""
