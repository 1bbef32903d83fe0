"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Every write goes through :func:`check_output_path` first: ``os.replace`` would silently replace
whatever is at the destination (a FIFO, a device node when run as root, the target-less link of a
symlink), so anything but a regular file (or nothing) there is refused, and a destination that
cannot be written is one clear error naming the path, raised before the work where the caller
checks early (a long suite must not fail at its end).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path


class OutputPathError(ValueError):
    """An output path that cannot or must not be written; the message names it and why."""


def _kind_of(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def check_output_path(
    path: str | os.PathLike[str],
    *,
    what: str = "output file",
    same_kind: Callable[[Path], bool] | None = None,
    kind_name: str = "",
) -> Path:
    """Check that ``path`` can be written as a new or replaced regular file, or raise
    :class:`OutputPathError` naming it.

    Refused: an empty path, a name longer than the filesystem allows, a symbolic link (never
    followed into a replace), anything at the path that is not a regular file, a parent that is a
    file, and a folder (the nearest existing one, since missing folders are created) that this
    process cannot write. ``same_kind(path)`` tells whether an existing file is of the kind
    about to be written (``kind_name``, e.g. "a nas-sim result file"); another kind is refused
    rather than replaced.
    """
    text = os.fspath(path)
    if not text.strip():
        raise OutputPathError(f"the {what} path is empty; give a file name")
    p = Path(text)
    if not p.name or p.name in (".", ".."):
        raise OutputPathError(f"the {what} path {text!r} names no file; give a file name")
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        st = None  # a parent is a file: reported below
    except OSError as exc:
        raise OutputPathError(f"cannot use {text!r} as the {what}: {exc.strerror}") from exc
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise OutputPathError(
                f"the {what} {text!r} is a symbolic link; refusing to replace it (give the real "
                "path of the file)"
            )
        if not stat.S_ISREG(st.st_mode):
            raise OutputPathError(
                f"the {what} {text!r} exists and is {_kind_of(st.st_mode)}; refusing to replace "
                "it (give a file path)"
            )
        if same_kind is not None and not same_kind(p):
            raise OutputPathError(
                f"the {what} {text!r} exists and is not {kind_name or 'a file of this kind'}; "
                "refusing to replace it (remove it first or give another path)"
            )
    folder = p.parent
    while not folder.exists():
        if folder.is_symlink():  # a dangling link among the parents
            raise OutputPathError(f"cannot create the folder {str(folder)!r}: a dangling link")
        if folder == folder.parent:
            break
        folder = folder.parent
    if not folder.is_dir():
        raise OutputPathError(
            f"cannot write the {what} {text!r}: {str(folder)!r} is a file, not a folder"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        reason = "is read-only" if _read_only_fs(folder) else "is not writable by this user"
        raise OutputPathError(
            f"cannot write the {what} {text!r}: the folder {str(folder)!r} {reason}"
        )
    # the temporary file is ".NAME.XXXXXXXX.tmp", which must fit the name limit too
    if len(os.fsencode(p.name)) + 14 > _name_max(folder):
        raise OutputPathError(
            f"the {what} name {p.name[:40]!r}… is {len(p.name)} characters; this filesystem "
            f"allows at most {_name_max(folder) - 14} here"
        )
    return p


def check_output_folder(path: str | os.PathLike[str], *, what: str = "output folder") -> Path:
    """Check that ``path`` is, or can be created as, a folder this process can write, or raise
    :class:`OutputPathError` naming it (a file there, a file among its parents, read-only)."""
    text = os.fspath(path)
    if not text.strip():
        raise OutputPathError(f"the {what} path is empty; give a folder")
    p = Path(text)
    folder = p
    while not folder.exists():
        if folder.is_symlink():
            raise OutputPathError(
                f"cannot create the {what} {text!r}: {str(folder)!r} is a dangling link"
            )
        if folder == folder.parent:
            break
        folder = folder.parent
    if not folder.is_dir():
        which = "it" if folder == p else repr(str(folder))
        raise OutputPathError(f"cannot use {text!r} as the {what}: {which} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        reason = "is read-only" if _read_only_fs(folder) else "is not writable by this user"
        raise OutputPathError(f"cannot write the {what} {text!r}: {str(folder)!r} {reason}")
    if len(os.fsencode(p.name)) > _name_max(folder):
        raise OutputPathError(
            f"the {what} name {p.name[:40]!r}… is {len(p.name)} characters; this filesystem "
            f"allows at most {_name_max(folder)}"
        )
    return p


def _read_only_fs(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _umask() -> int:
    try:  # Linux says it without changing it (os.umask would, for every thread, for a moment)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it, and set it straight back
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    The destination is checked first (:func:`check_output_path`); a failing write raises
    :class:`OutputPathError` naming the path, and leaves what was there untouched.
    """
    path = check_output_path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        # mkstemp creates the file 0600; a written file gets what open() would give it (0666
        # minus the umask), so results and reports can be shared as the user's other files
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from exc
        raise


def _write_error(path: Path, exc: OSError) -> OutputPathError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = "no space left on the device"
    return OutputPathError(f"cannot write {str(path)!r}: {reason}")


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
