"""Demo project evaluations (filled in below)."""

from core.demo import register_demo


@register_demo(60, "project_evaluation")
def load() -> list[str]:
    return []
