from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        # The policy page (sla, below kb) promises a knowledge base only when this says so.
        from sla.policy_page import policy_page_extra_register

        from .selectors import policy_page_knowledge_base

        policy_page_extra_register(policy_page_knowledge_base)
