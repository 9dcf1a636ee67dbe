"""The shipped default checklist: complete against the domain brief and valid against its schema."""

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from svtoolkit.partnerships.models import OrganisationKind
from svtoolkit.playbooks.default import load_playbook_data, playbook_data_problems

# The fourteen areas of the incident checklist in the domain brief (shared/domain/toolkit.md), mapped
# to the area of our default checklist that covers each, plus our own "before" area for preparedness.
BRIEF_AREAS = {
    "Incident reporting": "incident-reporting",
    "Scene management": "scene-management",
    "Incident categorisation": "categorisation",
    "Who is leading the response": "leadership",
    "Critical incident / key partners meeting": "critical-incident-meeting",
    "Develop and carry out a response plan": "response-plan",
    "Communications": "communications",
    "Health": "health",
    "Education": "education",
    "Safeguarding and support": "safeguarding-support",
    "Family and community contact": "family-community-contact",
    "Community reassurance and engagement": "community-reassurance",
    "Additional resources": "additional-resources",
    "Longer-term": "longer-term",
}


@pytest.fixture(scope="module")
def data():
    return load_playbook_data()


def test_every_area_of_the_brief_is_covered(data):
    keys = [area["key"] for area in data["areas"]]
    assert set(BRIEF_AREAS.values()) <= set(keys)
    assert keys[0] == "preparation"


def test_every_phase_is_present(data):
    assert [area["phase"] for area in data["areas"]][0] == "before"
    assert {area["phase"] for area in data["areas"]} == {"before", "during", "after"}


def test_the_brief_time_windows_are_all_used(data):
    used = {item["timing"] for area in data["areas"] for item in area["items"]}
    assert used == set(data["timings"])


def test_the_data_file_is_valid(data):
    assert playbook_data_problems(data) == []


BASE = load_playbook_data()


def _with_first_item(field, value):
    broken = copy.deepcopy(BASE)
    broken["areas"][1]["items"][0][field] = value
    return broken


@given(st.text(max_size=40).filter(lambda value: value not in OrganisationKind.values))
def test_an_unknown_owner_kind_is_reported(value):
    assert any(
        "owner_kind" in problem for problem in playbook_data_problems(_with_first_item("owner_kind", value))
    )


@given(st.text(max_size=40).filter(lambda value: value not in BASE["timings"]))
def test_an_unknown_timing_is_reported(value):
    assert any("timing" in problem for problem in playbook_data_problems(_with_first_item("timing", value)))


def test_preparation_timing_is_reported_outside_the_before_phase_and_any_other_within_it():
    assert any(
        "'preparation' timing" in problem
        for problem in playbook_data_problems(_with_first_item("timing", "preparation"))
    )
    broken = copy.deepcopy(BASE)
    broken["areas"][0]["items"][0]["timing"] = "immediately"
    assert any("'preparation' timing" in problem for problem in playbook_data_problems(broken))


@given(st.text(min_size=201, max_size=400))
def test_an_overlong_action_is_reported(value):
    assert any("action" in problem for problem in playbook_data_problems(_with_first_item("action", value)))


@given(
    st.lists(st.text(max_size=20), min_size=1, max_size=3).filter(
        lambda v: not set(v) <= set(BASE["incident_types"])
    )
)
def test_unknown_incident_types_are_reported(value):
    problems = playbook_data_problems(_with_first_item("incident_types", value))
    assert any("incident types" in problem for problem in problems)


@given(st.one_of(st.integers(max_value=0), st.text(max_size=5), st.floats(allow_nan=False)))
def test_a_timing_with_a_bad_number_of_working_days_is_reported(value):
    broken = copy.deepcopy(BASE)
    broken["timings"]["within_5_working_days"]["working_days"] = value
    assert any("working_days" in problem for problem in playbook_data_problems(broken))


def test_the_statutory_clocks_count_working_days(data):
    assert data["timings"]["within_5_working_days"]["working_days"] == 5
    assert data["timings"]["within_15_working_days"]["working_days"] == 15
