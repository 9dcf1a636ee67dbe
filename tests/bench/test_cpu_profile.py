"""The profile's summary by layer: each sample counts against the innermost frame that belongs to a layer."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("cpu_profile", ROOT / "bench" / "cpu_profile.py")
cpu_profile = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cpu_profile)


def frame(function, path):  # as py-spy names them: the path relative to site-packages
    return f"{function} ({path}:10)"


def test_a_query_run_by_an_access_rule_counts_as_the_databases_and_the_rules_own_work_as_the_rules(tmp_path):
    handler = frame("get_response", "django/core/handlers/base.py")
    rule = frame("can_read_people", "svtoolkit/access.py")
    query = frame("execute", "django/db/backends/utils.py")
    render = frame("render", "django/template/base.py")
    collapsed = tmp_path / "profile.txt"
    collapsed.write_text(
        f"{handler};{rule};{query} 30\n{handler};{rule} 10\n{handler};{render} 50\n{handler} 10\nnonsense\n"
    )

    shares = cpu_profile.by_layer(collapsed)

    assert shares == {
        "templates": 0.5,
        "queries and model building": 0.3,
        "access rules": 0.1,
        "Django's request handling and URLs": 0.1,
    }
    assert list(shares)[0] == "templates"
