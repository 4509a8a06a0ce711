from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "gonghui.hotline"
    label = "hotline"
    verbose_name = "职工热线"
