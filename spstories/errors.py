"""Errors that carry enough structure to tell a user exactly what went wrong."""

from __future__ import annotations


class SpstoriesError(Exception):
    """Base class: a message meant for the user, never a traceback."""


class CodebookError(SpstoriesError):
    """A codebook file is invalid; names the file, the code and the field."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        code: str | None = None,
        field: str | None = None,
    ) -> None:
        self.path, self.code, self.field = path, code, field
        where = ", ".join(
            part
            for part in (
                path and f"file {path}",
                code and f"code {code!r}",
                field and f"field {field!r}",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class MeasureError(SpstoriesError):
    """An outcome-measure answer set cannot be scored; names the item."""

    def __init__(self, message: str, *, item: str | None = None) -> None:
        self.item = item
        super().__init__(message)


class MeasureValidationError(MeasureError):
    """Every problem with one answer set, so a form can show each one beside its item.

    ``problems`` is a list of ``(item, message)``; ``item`` is None for a problem that
    belongs to no single item. ``item`` on the error is set only when there is one problem.
    """

    def __init__(self, problems: list[tuple[str | None, str]]) -> None:
        if not problems:
            raise ValueError("MeasureValidationError needs at least one problem")
        self.problems = list(problems)
        only_item = self.problems[0][0] if len(self.problems) == 1 else None
        super().__init__("; ".join(message for _, message in self.problems), item=only_item)


class ImportRowError(SpstoriesError):
    """One row of an import is invalid; names the row and column."""

    def __init__(self, message: str, *, row: int, column: str | None = None) -> None:
        self.row, self.column = row, column
        where = f"row {row}" + (f", column {column!r}" if column else "")
        super().__init__(f"{where}: {message}")


class ModelUnavailable(SpstoriesError):
    """An optional model or package is not installed; says how to get it."""
