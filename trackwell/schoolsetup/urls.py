"""Academic years, assessment points and the year rollover (mounted at setup/)."""

from django.urls import path

from trackwell.schoolsetup import views

urlpatterns = [
    path("years/", views.year_list, name="setup-years"),
    path("years/add/", views.year_add, name="setup-year-add"),
    path("years/<int:year_id>/", views.year_edit, name="setup-year"),
    path("years/<int:year_id>/current/", views.year_make_current, name="setup-year-current"),
    path("rollover/", views.rollover, name="setup-rollover"),
]
