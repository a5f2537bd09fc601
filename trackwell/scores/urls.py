"""URLs of the scores app."""

from django.urls import URLPattern, URLResolver, path

from .views import results, targets, tests

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
]
