"""Download of the school's whole data archive (school admins only)."""

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User, log_action

from .archive import FORMAT_VERSION, write_archive


@require_safe
@login_required
def download(request: HttpRequest) -> HttpResponseBase:
    """Every table of the school as CSV files in one ZIP, with a manifest."""
    user = request.user
    assert isinstance(user, User)
    school = access.archive_school(user)
    # Written to a temporary file on disk (never held in memory), then streamed out in
    # blocks; the file has no name on disk and goes when the response is closed.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the FileResponse)
    try:
        tables = write_archive(school, spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    log_action(
        school=school,
        user=user,
        action="school.archive",
        obj=school,
        new={"tables": len(tables), "rows": sum(t.rows for t in tables), "v": FORMAT_VERSION},
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"trackwell-{school.pk}-{stamp}.zip",
        content_type="application/zip",
    )
