"""railguard's built-in validators.

Each module is a plugin registered under the entry-point group ``railguard``,
exactly as a third-party package registers its own; each imports only
railguard's public API.
"""
