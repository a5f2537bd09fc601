"""Tests and scores, conversion tables, thresholds, targets, prior attainment and opt-in points."""

from django.apps import AppConfig


class ScoresConfig(AppConfig):
    name = "trackwell.scores"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from trackwell.analysis.figures import register_figures
        from trackwell.scores import imports  # noqa: F401  (registers the results import)
        from trackwell.scores.rule_figures import NAMES, figures_for_rules

        register_figures(NAMES, figures_for_rules)
