from django.apps import AppConfig


class PairingConfig(AppConfig):
    name = "gonghui.pairing"
    label = "pairing"
    verbose_name = "大带小结对"
