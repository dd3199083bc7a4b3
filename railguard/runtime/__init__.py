"""Layer 4 of the design: running a compiled guard graph around a model call.

One copy of the logic as generators (:mod:`.stage`, :mod:`.flow`, :mod:`.stream`) and the
drivers that answer their requests synchronously or on asyncio (:mod:`.drive`). Nothing is
imported here, so importing a submodule stays cheap.
"""
