from django.apps import AppConfig


class JurisdictionsConfig(AppConfig):
    name = "lawledger.jurisdictions"
    label = "jurisdictions"
    verbose_name = "Jurisdiction packs"

    def ready(self) -> None:
        from lawledger.firm.services import setting_hooks
        from lawledger.jurisdictions.defaults import on_firm_setting_changed

        if on_firm_setting_changed not in setting_hooks:
            setting_hooks.append(on_firm_setting_changed)
