"""Opening an import's input files: only regular files of a sane size, read within bounds.

A path given to the import may name anything: a directory, a FIFO that blocks the open, a
device such as ``/dev/zero`` that never ends, a file that grows while it is read, or a path with
a NUL byte in it. Each becomes one problem naming the file, never an exception or a read that
runs until memory is gone. The file is opened once and checked on the open descriptor (not the
path, which could be swapped between a check and the open).
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from communard.web.members.importing.problems import Problem

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

# A structure file lists councils and platforms: 100,000 councils fit in 16 MiB.
STRUCTURE_MAX_BYTES = 16 * MIB
# A constitution is a page of rules.
CONSTITUTION_MAX_BYTES = 1 * MIB
# About 60 bytes a member: 4 GiB holds tens of millions, more than any organisation here.
MEMBERS_MAX_BYTES = 4 * GIB


class Unreadable(Exception):
    """The file cannot be an input: ``problem`` says why."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def open_regular(path: os.PathLike[str] | str, limit: int, label: str | None = None) -> BinaryIO:
    """``path`` opened for reading in binary, if it is a regular file of at most ``limit`` bytes;
    otherwise raise :class:`Unreadable`. ``label`` is how problems name the file."""
    name = label if label is not None else os.fspath(path)

    def refuse(message: str) -> Unreadable:
        return Unreadable(Problem(name, 0, "", message))

    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except ValueError:  # an embedded NUL byte
        raise refuse("the path contains a NUL byte") from None
    except FileNotFoundError:
        raise refuse("file not found") from None
    except PermissionError:
        raise refuse("permission denied") from None
    except OSError as exc:
        raise refuse(f"cannot open: {os.strerror(exc.errno) if exc.errno else exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise refuse("is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise refuse("is not a regular file (a device, FIFO or socket cannot be imported)")
        if info.st_size > limit:
            raise refuse(f"is {info.st_size:,} bytes; at most {limit:,} can be imported")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: os.PathLike[str] | str, limit: int, label: str | None = None) -> bytes:
    """The whole of a small regular file, refusing one that is (or grows) over ``limit`` bytes
    (a file in /proc reports size 0 and may then give more)."""
    name = label if label is not None else os.fspath(path)
    with open_regular(path, limit, name) as f:
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise Unreadable(Problem(name, 0, "", f"cannot read: {exc.strerror or exc}")) from None
    if len(data) > limit:
        raise Unreadable(Problem(name, 0, "", f"is over {limit:,} bytes; at most that can be imported"))
    return data
