from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "trackwell.reports"
    label = "reports"
