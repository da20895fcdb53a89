"""Opening uploaded zip files (.xlsx, .docx, .qdpx) without trusting them.

Every zip reader in spstories opens its upload here first. Before anything is expanded the
archive's directory is checked: how many entries, how large they say they will expand to
(in all, and each against its compressed size, which gives zip bombs away), and every name
(no ``..``, no absolute or drive paths, no symbolic links, no encrypted entries), so a
reader further down (openpyxl, python-docx) never sees a hostile archive. Python's
``zipfile`` stops at the size an entry declares and fails its CRC check if there is more,
so the declared sizes can be relied on once they are checked.
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

MiB = 1024 * 1024


class ArchiveError(ValueError):
    """The upload is not a zip we will open; the message says why, in users' words."""


@dataclass(frozen=True)
class ZipLimits:
    max_members: int = 5000
    max_total_bytes: int = 200 * MiB
    max_member_bytes: int = 100 * MiB
    # Office XML compresses about 10:1; deflate bombs reach 1000:1. Entries smaller than
    # ratio_floor are left alone (a tiny, very repetitive part is harmless).
    max_ratio: int = 200
    ratio_floor: int = 2 * MiB


def _name_problem(name: str) -> str | None:
    if not name or "\x00" in name:
        return "an empty or binary name"
    if "\\" in name:
        return "a Windows path"
    path = PurePosixPath(name)
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in path.parts:
        return "a path that leaves the archive ('..')"
    return None


def check_members(members: Iterable[zipfile.ZipInfo], what: str,
                  limits: ZipLimits = ZipLimits()) -> list[zipfile.ZipInfo]:
    """Raise ``ArchiveError`` unless every entry is safe to read; returns the entries."""
    members = list(members)
    if len(members) > limits.max_members:
        raise ArchiveError(f"{what} holds more than {limits.max_members:,} files")
    total, seen = 0, set()
    for info in members:
        problem = _name_problem(info.filename)
        if problem:
            raise ArchiveError(f"{what} has an entry with {problem}: {info.filename[:80]!r}")
        if info.filename in seen:
            raise ArchiveError(f"{what} has two entries called {info.filename[:80]!r}")
        seen.add(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ArchiveError(f"{what} has a symbolic link: {info.filename[:80]!r}")
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{what} is encrypted (password-protected); save it without")
        if info.file_size > limits.max_member_bytes:
            raise ArchiveError(
                f"{what}: {info.filename[:80]!r} expands to more than "
                f"{limits.max_member_bytes // MiB} MB"
            )
        if (info.file_size > limits.ratio_floor
                and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
            raise ArchiveError(
                f"{what}: {info.filename[:80]!r} is compressed suspiciously well "
                "(a zip bomb?); it was not opened"
            )
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ArchiveError(
                f"{what} expands to more than {limits.max_total_bytes // MiB} MB"
            )
    return members


def open_zip(data: bytes, what: str, *, required: Iterable[str] = (),
             limits: ZipLimits = ZipLimits()) -> zipfile.ZipFile:
    """The checked archive (close it, or use it in ``with``), with ``required`` entries.

    ``what`` names the upload in messages ("the .docx", "book.xlsx").
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ArchiveError(f"{what} could not be read (not a valid zip archive: {exc})") from None
    try:
        names = {info.filename for info in check_members(archive.infolist(), what, limits)}
        missing = [name for name in required if name not in names]
        if missing:
            raise ArchiveError(f"{what} is not the kind of file expected (no {missing[0]})")
    except BaseException:
        archive.close()
        raise
    return archive


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, what: str) -> bytes:
    """An entry's bytes; a damaged entry is an ``ArchiveError``, not a crash."""
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError) as exc:
        raise ArchiveError(f"{what}: {info.filename[:80]!r} cannot be read ({exc})") from None
