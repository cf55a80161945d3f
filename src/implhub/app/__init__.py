"""Application functions the doors share: load from the store, run an engine, save, log.

Every function takes a `Ctx` (store session, actor, clock) and keyword-only arguments; the CLI,
the web app and the HTTP API call the same functions.
"""
