"""Pure rules of the loyalty program: no I/O, no framework, no database.

Everything here is a value object or a pure function so that it can be unit-tested
without a store and reused by the simulator, the API and the importer alike.
"""
