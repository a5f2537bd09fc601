from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "trackwell.analysis"
    label = "analysis"
