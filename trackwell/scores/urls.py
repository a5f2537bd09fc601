"""URLs of the scores app."""

from django.urls import URLPattern, URLResolver, path

from .views import points, prior, results, targets, tests, trust

app_name = "scores"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", tests.index, name="index"),
    path("tests/new/", tests.test_new, name="test-new"),
    path("tests/<int:test_id>/", tests.test_page, name="test"),
    path("tests/<int:test_id>/report/", tests.test_report, name="test-report"),
    path("tests/<int:test_id>/classes/<int:class_id>/", results.grid, name="results"),
    path(
        "tests/<int:test_id>/classes/<int:class_id>/cell/", results.save_cell, name="results-cell"
    ),
    path(
        "tests/<int:test_id>/classes/<int:class_id>/export/", results.export, name="results-export"
    ),
    path("tables/builtin/", tests.table_builtin, name="table-builtin"),
    path("tables/upload/", tests.table_upload, name="table-upload"),
    path("tables/<int:table_id>/", tests.table, name="table"),
    path("thresholds/new/", tests.thresholds_new, name="thresholds-new"),
    path("thresholds/<int:set_id>/", tests.thresholds, name="thresholds"),
    path(
        "classes/<int:class_id>/targets/<slug:subject_slug>/",
        targets.class_targets,
        name="class-targets",
    ),
    path("targets/", targets.school_targets, name="targets-report"),
    path(
        "classes/<int:class_id>/progress/<slug:subject_slug>/",
        prior.class_progress,
        name="class-progress",
    ),
    path(
        "classes/<int:class_id>/progress/<slug:subject_slug>/prior/",
        prior.set_prior,
        name="class-prior",
    ),
    path("prior-attainment/", prior.school_prior, name="prior-report"),
    path("trust/prior-attainment/", trust.trust_prior, name="trust-prior"),
    path("points/", points.settings_page, name="points"),
    path("points/report/", points.report, name="points-report"),
]
