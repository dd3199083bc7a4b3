"""Work in progress: replaced by the real validator before this lands."""
from railguard import hookimpl


@hookimpl
def register_validators():
    return []
