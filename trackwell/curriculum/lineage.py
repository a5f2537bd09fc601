"""Where an objective's pupils' ratings went: the split and merge links, read.

Both the editing services (restoring an objective) and the file sync (planning a
restore) ask this, so it lives apart from either; neither imports the other.
"""

from trackwell.curriculum.models import Objective


def replacements(objective: Objective) -> list[Objective]:
    """The current objectives that took over from this one through splits and merges.

    Links are followed through objectives that were themselves split or merged
    again later, so the answer is what now carries the pupils' ratings.
    """
    current: list[Objective] = []
    seen = {objective.pk}
    frontier = [objective.pk]
    while frontier:
        targets = list(
            Objective.objects.filter(links_in__source_id__in=frontier)
            .exclude(pk__in=seen)
            .distinct()
            .order_by("order", "id")
        )
        seen.update(t.pk for t in targets)
        current.extend(t for t in targets if t.archived_at is None)
        frontier = [t.pk for t in targets if t.archived_at is not None]
    return current
