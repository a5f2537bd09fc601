"""Download of the school's whole data archive (school admins only)."""

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from trackwell.accounts import access
from trackwell.accounts.models import User, log_action

from .archive import FORMAT_VERSION, write_archive


@require_safe
@login_required
def download(request: HttpRequest) -> HttpResponse:
    """Every table of the school as CSV files in one ZIP, with a manifest."""
    user = request.user
    assert isinstance(user, User)
    school = access.archive_school(user)
    # Spooled: a small school stays in memory, a large one goes to disk, never both.
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    tables = write_archive(school, spool)
    spool.seek(0)
    log_action(
        school=school,
        user=user,
        action="school.archive",
        obj=school,
        new={"tables": len(tables), "rows": sum(t.rows for t in tables), "v": FORMAT_VERSION},
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    with spool:
        data = spool.read()
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="trackwell-{school.pk}-{stamp}.zip"'
    return response
