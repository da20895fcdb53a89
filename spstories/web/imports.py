"""Import from CSV and XLSX: upload, map the columns on a preview, then import all or nothing.

Files with more than ``IMPORT_BACKGROUND_ROWS`` rows (default 500) are imported by a
background job (``services.imports.import_task``): the mapping page then hands over to the
job's progress page, which shows the result when it is done; no request waits for it.

Uploads are kept server-side under ``<instance>/uploads`` with a random token for a name,
next to a small JSON note of who uploaded them; only that user can use the token. Files
are deleted after a successful import and any left over are purged after a day.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectChoice, SelectField, SubmitField

from spstories.core.importing import (
    KINDS,
    MAX_ROWS,
    ImportFileError,
    Table,
    bare_message,
    check_mapping,
    column_letter,
    error_report_csv,
    field_hint,
    get_kind,
    read_table,
    template_csv,
    template_xlsx,
)
from spstories.core.vocabulary import JobStatus, Role
from spstories.errors import ImportRowError
from spstories.services.imports import (
    ImportConflictError,
    ImportMappingError,
    ImportRefused,
    importable_organisation,
    preview,
    run_import,
)
from spstories.storage.models import Job
from spstories.web.access import current_user, roles
from spstories.web.auditing import record_access
from spstories.web.db import get_db
from spstories.web.jobs import job_progress, reap_job, start_job

bp = Blueprint("imports", __name__, url_prefix="/imports")
IMPORTERS = (Role.LINK_WORKER, Role.MANAGER, Role.ADMIN)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_LIFETIME_SECONDS = 24 * 3600
SHOWN_ERRORS = 200
# Larger files are checked, imported and tagged by a background job.
BACKGROUND_ROWS = 500
_TOKEN = re.compile(r"[A-Za-z0-9_-]{24}")


class UploadForm(FlaskForm):
    kind = SelectField(
        "What does the file contain?",
        choices=[SelectChoice(kind.name, kind.label) for kind in KINDS.values()],
    )
    organisation = SelectField("Import into", coerce=int)
    file = FileField(
        "File",
        validators=[FileRequired("Choose a .csv or .xlsx file.")],
        description="A .csv or .xlsx file with a header row, "
        f"at most {MAX_UPLOAD_BYTES // 1024 // 1024} MB.",
    )
    submit = SubmitField("Upload and preview")


class ConfirmForm(FlaskForm):
    skip_duplicates = BooleanField(
        "Skip duplicates",
        description="Leave out rows already in spstories or repeated in the file, and list "
        "them, instead of refusing the whole import.",
    )
    submit = SubmitField("Check and import")


@dataclass(frozen=True)
class Upload:
    """A stored upload and what the user chose for it."""

    token: str
    user_id: int
    organisation_id: int
    kind: str
    file_name: str
    created: float

    @property
    def data_path(self) -> Path:
        return _upload_dir() / f"{self.token}.data"


@bp.route("/", methods=["GET", "POST"])
@roles(*IMPORTERS)
def upload() -> str | Response:
    user = current_user()
    form = UploadForm()
    form.organisation.choices = [SelectChoice(org.id, org.name) for org in user.organisations]
    if form.validate_on_submit():
        storage = form.file.data
        name = PurePath(storage.filename or "upload").name[:200]
        data = storage.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            form.file.errors.append(
                f"The file is larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB; split it."
            )
        else:
            try:
                read_table(data, name, max_rows=_max_rows())
            except ImportFileError as exc:
                form.file.errors.append(str(exc))
            else:
                token = _store(data, name, form.kind.data or "", form.organisation.data)
                return redirect(url_for("imports.mapping", token=token))
    return render_template("imports/upload.html", form=form, kinds=KINDS.values())


@bp.route("/<token>", methods=["GET", "POST"])
@roles(*IMPORTERS)
def mapping(token: str) -> str | Response:
    stored = _load(token)
    user = current_user()
    try:
        organisation = importable_organisation(user, stored.organisation_id)
    except ImportRefused:
        abort(403)
    table = _read(stored)
    shown = preview(table, stored.kind)
    chosen, problems = shown.mapping, {}
    form = ConfirmForm()
    submitted = form.validate_on_submit()
    if submitted:
        chosen = _posted_mapping(stored.kind)
    if submitted and len(table.rows) > _background_rows():
        problems = check_mapping(shown.kind, table, chosen)
        if not problems:
            job = _start_import_job(stored, chosen, bool(form.skip_duplicates.data))
            return redirect(url_for("imports.job", token=token, job_id=job.id))
    elif submitted:
        db = get_db()
        try:
            result = run_import(
                db,
                user,
                organisation,
                stored.kind,
                table,
                chosen,
                skip_duplicates=bool(form.skip_duplicates.data),
            )
        except ImportMappingError as exc:
            problems = exc.problems
        except ImportConflictError as exc:
            form.form_errors.append(str(exc))
        else:
            if result.ok:
                db.commit()
                _finish(
                    stored,
                    {
                        "kind": result.kind,
                        "created": result.created,
                        "file_name": result.file_name,
                        "organisation": organisation.name,
                        "skipped": [[e.row, bare_message(e)] for e in result.skipped],
                    },
                )
                return redirect(url_for("imports.done", token=token))
            db.rollback()
            _path(token, "errors.csv").write_bytes(error_report_csv(result.errors))
            return render_template(
                "imports/errors.html",
                upload=stored,
                problem_count=len(result.errors),
                kind=shown.kind,
                organisation=organisation,
                errors=result.errors[:SHOWN_ERRORS],
                bare_message=bare_message,
            )
    return render_template(
        "imports/mapping.html",
        upload=stored,
        preview=shown,
        form=form,
        mapping=chosen,
        problems=problems,
        organisation=organisation,
        field_hint=field_hint,
        column_letter=column_letter,
    )


def _start_import_job(stored: Upload, mapping: dict[str, int | None], skip: bool) -> Job:
    """A large file is imported by a background job; only its uploader can follow it
    (the job belongs to no organisation), since its problems quote the file."""
    params = {
        "token": stored.token,
        "user_id": stored.user_id,
        "organisation_id": stored.organisation_id,
        "kind": stored.kind,
        "file_name": stored.file_name,
        "mapping": mapping,
        "skip_duplicates": skip,
        "max_rows": _max_rows(),
        "data_path": str(stored.data_path.resolve()),
        "errors_path": str(_path(stored.token, "errors.csv").resolve()),
    }
    return start_job("import", params, current_user())


@bp.route("/<token>/jobs/<int:job_id>")
@roles(*IMPORTERS)
def job(token: str, job_id: int) -> str | Response:
    """A background import: its progress while it runs, then its result page."""
    row = get_db().get(Job, job_id)
    user = current_user()
    if (row is None or row.kind != "import" or row.created_by_id != user.id
            or row.params.get("token") != token):
        abort(404)
    reap_job(row)
    result = row.result or {}
    if row.status == JobStatus.DONE.value and result.get("ok"):
        if not _path(token, "done.json").exists():  # first visit since it finished
            _finish(_load(token), {key: result[key] for key in
                                   ("kind", "created", "file_name", "organisation", "skipped")})
        return redirect(url_for("imports.done", token=token))
    if row.status == JobStatus.DONE.value:
        stored = _load(token)
        errors = [ImportRowError(message, row=number, column=column)
                  for number, column, message in result["errors"]]
        return render_template(
            "imports/errors.html",
            upload=stored,
            problem_count=result["error_count"],
            kind=get_kind(stored.kind),
            organisation=importable_organisation(user, stored.organisation_id),
            errors=errors,
            bare_message=bare_message,
        )
    progress, message = job_progress(row)
    return render_template("jobs/view.html", job=row, progress=progress, message=message,
                           done_url=url_for("imports.job", token=token, job_id=job_id))


@bp.route("/<token>/errors.csv")
@roles(*IMPORTERS)
def error_report(token: str) -> Response:
    stored = _load(token)
    path = _path(token, "errors.csv")
    if not path.exists():
        abort(404)
    record_access("import.errors.download", organisation_id=stored.organisation_id,
                  kind=stored.kind)
    return _download(path.read_bytes(), "text/csv; charset=utf-8", "import-errors.csv")


@bp.route("/<token>/done")
@roles(*IMPORTERS)
def done(token: str) -> str:
    path = _path(token, "done.json")
    summary = json.loads(path.read_text()) if path.exists() else None
    if summary is None or summary["user_id"] != current_user().id:
        abort(404)
    return render_template("imports/done.html", summary=summary, kind=get_kind(summary["kind"]))


@bp.route("/templates/<kind>.<any(csv, xlsx):fmt>")
@roles(*IMPORTERS)
def template(kind: str, fmt: str) -> Response:
    if kind not in KINDS:
        abort(404)
    if fmt == "csv":
        return _download(template_csv(KINDS[kind]), "text/csv; charset=utf-8", f"{kind}.csv")
    return _download(
        template_xlsx(KINDS[kind]),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{kind}.xlsx",
    )


def _download(data: bytes, mimetype: str, name: str) -> Response:
    return Response(
        data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _posted_mapping(kind_name: str) -> dict[str, int | None]:
    """Field -> column index from the form; anything unreadable becomes -1, which the
    service's mapping check refuses with a message."""
    chosen: dict[str, int | None] = {}
    for target in get_kind(kind_name).fields:
        raw = request.form.get(f"map-{target.name}", "")
        chosen[target.name] = None if raw == "" else int(raw) if raw.isdigit() else -1
    return chosen


def _background_rows() -> int:
    """Files with more rows than this are imported by a background job."""
    return int(current_app.config.get("IMPORT_BACKGROUND_ROWS", BACKGROUND_ROWS))


def _max_rows() -> int:
    return int(current_app.config.get("IMPORT_MAX_ROWS", MAX_ROWS))


def _upload_dir() -> Path:
    configured = current_app.config.get("IMPORT_UPLOAD_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _path(token: str, suffix: str) -> Path:
    if not _TOKEN.fullmatch(token):
        abort(404)
    return _upload_dir() / f"{token}.{suffix}"


def _store(data: bytes, file_name: str, kind: str, organisation_id: int) -> str:
    _purge_expired()
    token = secrets.token_urlsafe(18)  # 24 characters
    _path(token, "data").write_bytes(data)
    note = {
        "user_id": current_user().id,
        "organisation_id": organisation_id,
        "kind": kind,
        "file_name": file_name,
        "created": time.time(),
    }
    _path(token, "json").write_text(json.dumps(note))
    return token


def _load(token: str) -> Upload:
    """The upload if it exists, is recent and belongs to the logged-in user; else 404."""
    path = _path(token, "json")
    if not path.exists():
        abort(404)
    note: dict[str, Any] = json.loads(path.read_text())
    if note["user_id"] != current_user().id:
        abort(404)
    if time.time() - note["created"] > UPLOAD_LIFETIME_SECONDS:
        _discard(token)
        abort(404)
    return Upload(token=token, **note)


def _read(stored: Upload) -> Table:
    try:
        return read_table(stored.data_path.read_bytes(), stored.file_name, max_rows=_max_rows())
    except (OSError, ImportFileError):
        abort(404)


def _finish(stored: Upload, summary: dict[str, Any]) -> None:
    """Replace the upload by a summary of what was imported, for the result page."""
    _discard(stored.token)
    summary |= {"user_id": stored.user_id, "created_at": time.time()}
    _path(stored.token, "done.json").write_text(json.dumps(summary))


def _discard(token: str) -> None:
    for suffix in ("data", "json", "errors.csv"):
        _path(token, suffix).unlink(missing_ok=True)


def _purge_expired() -> None:
    cutoff = time.time() - UPLOAD_LIFETIME_SECONDS
    for path in _upload_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
