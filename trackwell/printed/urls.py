"""URLs of printed reports (mounted at reports/): rounds, writing, PDFs, batches, governors."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "printed"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.rounds, name="rounds"),
    path("settings/", views.settings_page, name="settings"),
    path("governors/", views.governors, name="governors"),
    path("governors/pdf/", views.governors_pdf, name="governors-pdf"),
    path("<int:round_id>/", views.round_detail, name="round"),
    path("<int:round_id>/classes/<int:class_id>/write/", views.write, name="write"),
    path("<int:round_id>/pupils/<int:pupil_id>/save/", views.save, name="save"),
    path("<int:round_id>/pupils/<int:pupil_id>/pdf/", views.pupil_pdf, name="pupil-pdf"),
    path("<int:round_id>/batches/", views.batch_start, name="batch-start"),
    path("batches/<int:batch_id>/", views.batch, name="batch"),
    path("batches/<int:batch_id>/status/", views.batch_status, name="batch-status"),
    path("batches/<int:batch_id>/files/<int:file_id>/", views.batch_file, name="batch-file"),
]
