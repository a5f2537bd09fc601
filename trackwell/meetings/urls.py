"""URLs of the meetings app."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "meetings"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("schedule/", views.schedule, name="schedule"),
    path("new/", views.new, name="new"),
    path("provision/", views.provision_collation, name="provision"),
    path("actions/<int:action_id>/", views.update_action, name="action"),
    path("<int:meeting_id>/", views.detail, name="detail"),
    path("<int:meeting_id>/edit/", views.edit, name="edit"),
    path("<int:meeting_id>/record/", views.record, name="record"),
    path("<int:meeting_id>/record.pdf", views.record_pdf, name="record-pdf"),
    path("<int:meeting_id>/pupils/", views.add_pupil, name="add-pupil"),
    path("<int:meeting_id>/notes/<int:pupil_id>/", views.save_note, name="note"),
    path("<int:meeting_id>/decisions/", views.decide, name="decide"),
    path(
        "<int:meeting_id>/decisions/<int:decision_id>/withdraw/",
        views.withdraw,
        name="withdraw",
    ),
    path("<int:meeting_id>/actions/", views.add_action, name="add-action"),
]
