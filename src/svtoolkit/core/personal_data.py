"""What each model holds about people, declared on the model itself, and the data map built from them.

A model that holds personal data says so with a ``personal_data = PersonalData(...)`` class attribute: whose
data, which fields, who may see it, the lawful basis and how long it is kept. ``docs/data-map.md`` is
generated from these declarations (``svtoolkit datamap``) and a test compares the two, so the map a data
protection officer reads cannot drift from the code. Another test makes every model with identifying fields
declare itself.
"""

from dataclasses import dataclass

from django.apps import apps

PUBLIC_TASK = (
    "UK GDPR Article 6(1)(e) public task: the partnership's duties under the Crime and Disorder Act 1998 "
    "(sections 5 to 7, 17) and the Serious Violence Duty (Police, Crime, Sentencing and Courts Act 2022, "
    "Part 2)"
)
NEED_TO_KNOW_ONLY = (
    "Each record's own need-to-know list only (a copy of the incident's list when it was recorded, then "
    "changed per record); every opening is asked a reason and audited."
)
ERASED_WITH_PEOPLE = (
    "Until the partnership's retention period after the incident closes (6 years by default), or the day "
    "after the last court date, trial, inquest, investigation outcome or review publication on its recovery "
    "calendar if that is later, then erased by the nightly retention job. It keeps, with no name and no "
    "notes, a person's role and age band, whether they died, the consent answer and the lawful basis and "
    "agreement relied on, and the kinds, dates and statuses of their support, referrals and hospital stays, "
    "for statistics."
)
LEGAL_OBLIGATION_SECURITY = (
    "UK GDPR Article 6(1)(c) legal obligation: keeping processing secure and accountable "
    "(Articles 5(2) and 32)"
)


@dataclass(frozen=True)
class PersonalData:
    about: str
    fields: tuple[str, ...]
    who_may_see: str
    lawful_basis: str
    retention: str
    special_category: str = ""


def declarations() -> list[tuple[type, PersonalData]]:
    """Every model's declaration, in app then model order (the order of INSTALLED_APPS and of the modules)."""
    return [
        (model, model.personal_data)
        for model in apps.get_models()
        if isinstance(getattr(model, "personal_data", None), PersonalData)
    ]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def data_map_markdown() -> str:
    rows = [
        "# Data map: the personal data svtoolkit holds",
        "",
        "Generated from the models' own declarations (`personal_data` on each model,",
        "`core/personal_data.py`) by `svtoolkit datamap > docs/data-map.md`; a test fails when this file and",
        "the code disagree. Read it with `docs/security.md` (who may see what and how it is audited) and the",
        "DPIA (`docs/dpia-demo.md`).",
        "",
        "| Held in | About whom | Fields | Special category | Who may see it | Lawful basis | Kept for |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for model, declared in declarations():
        fields = ", ".join(f"`{name}`" for name in declared.fields)
        rows.append(
            "| "
            + " | ".join(
                [
                    f"{model._meta.verbose_name.capitalize()} (`{model._meta.label}`)",
                    _cell(declared.about),
                    fields,
                    _cell(declared.special_category) or "None",
                    _cell(declared.who_may_see),
                    _cell(declared.lawful_basis),
                    _cell(declared.retention),
                ]
            )
            + " |"
        )
    return "\n".join(rows) + "\n"
