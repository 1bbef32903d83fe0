"""Names from files that become file or folder names: one path component, nothing more.

A suite's ``name`` becomes ``runs/<name>``, run ids from a manifest become ``runs/<id>.json``; a
value such as ``../../escape`` or ``/etc/x`` would write outside the folder meant for it. Such
values are checked where they are read, and refused with the rule they break.
"""

from __future__ import annotations

#: longest accepted component, well under the usual 255-byte file-name limit (suffixes and the
#: temporary-file prefix are added to it)
MAX_COMPONENT_CHARS = 120


class PathComponentError(ValueError):
    """A value that would not be a single, safe path component."""


def check_path_component(value: str, what: str, max_chars: int = MAX_COMPONENT_CHARS) -> str:
    """Return ``value`` if it is one safe path component, else raise naming ``what``."""
    why = ""
    if not value:
        why = "it is empty"
    elif value in (".", ".."):
        why = f"{value!r} names a folder, not a new name"
    elif "/" in value or "\\" in value:
        why = "it contains a path separator"
    elif "\0" in value or any(ord(ch) < 32 for ch in value):
        why = "it contains a control character"
    elif value.startswith("."):
        why = "it starts with '.' (hidden files are the store's own)"
    elif len(value) > max_chars:
        why = f"it is {len(value)} characters long (at most {max_chars})"
    if why:
        raise PathComponentError(
            f"{what} {value[:60]!r} cannot be used as a file name: {why}; use one name without "
            "'/', '\\' or '..'"
        )
    return value
