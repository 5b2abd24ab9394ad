from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "lawledger.ledger"
    label = "ledger"
    verbose_name = "Trust ledger"

    def ready(self) -> None:
        from lawledger.firm.services import closing_guards
        from lawledger.ledger.services import refuse_close_with_trust_balance

        if refuse_close_with_trust_balance not in closing_guards:
            closing_guards.append(refuse_close_with_trust_balance)
