"""Engines: pure functions from domain objects to typed results. No I/O, no global state."""
