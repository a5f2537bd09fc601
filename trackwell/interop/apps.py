from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "trackwell.interop"
    label = "interop"
