"""Who may GET each page of the checklist, readiness and exercises."""

EXPECTED = {}


def url_kwargs(demo, demo_users):
    """Objects of the demo partnership that the checklist's URLs name."""
    return {}
