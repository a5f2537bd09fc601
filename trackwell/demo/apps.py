from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "trackwell.demo"
    label = "demo"
