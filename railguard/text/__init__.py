"""Layer-1 text engines shared by validators.

- :mod:`railguard.text.normalize`: Unicode normalisation with offset maps back to the
  original text (what a reader sees, not how it is encoded).

Nothing is imported here: each engine is imported where it is used, so that
``import railguard`` stays cheap.
"""
