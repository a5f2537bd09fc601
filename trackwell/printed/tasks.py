"""Background tasks (django-tasks): rendering a batch of reports."""

from django_tasks import task

from . import services


@task()
def render_batch(batch_id: int) -> None:
    """Render every report of a batch and the combined file."""
    services.run_batch(batch_id)
