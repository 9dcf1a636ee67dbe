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


def test_a_thread_waiting_for_the_databases_answer_or_a_request_is_a_wait_and_can_be_left_out(tmp_path):
    query = frame("execute", "django/db/backends/utils.py")
    waiting = frame("Connection.wait", "psycopg/connection.py")
    reading_redis = frame("SocketBuffer._read_from_socket", "redis/_parsers/socket.py")
    render = frame("render", "django/template/base.py")
    collapsed = tmp_path / "profile.txt"
    idle = frame("EpollSelector.select", "selectors.py")
    collapsed.write_text(f"{query};{waiting} 30\n{reading_redis} 10\n{idle} 10\n{query} 20\n{render} 30\n")

    assert cpu_profile.by_layer(collapsed) == {
        cpu_profile.WAITS: 0.5,
        "templates": 0.3,
        "queries and model building": 0.2,
    }
    assert cpu_profile.by_layer(collapsed, waits=False) == {
        "templates": 0.6,
        "queries and model building": 0.4,
    }


def test_the_middlewares_work_outside_the_view_counts_as_the_middlewares_queries_and_cache_reads_included(
    tmp_path,
):
    chain = frame("MiddlewareMixin.__call__", "django/utils/deprecation.py")
    session = frame("SessionMiddleware.process_request", "django/contrib/sessions/middleware.py")
    cache = frame("RedisCache.get", "django/core/cache/backends/redis.py")
    query = frame("execute", "django/db/backends/utils.py")
    view_call = frame("BaseHandler._get_response", "django/core/handlers/base.py")
    own = frame("IncidentNotFoundMiddleware.__call__", "svtoolkit/audit/middleware.py")
    view = frame("incident", "svtoolkit/incidents/views.py")
    collapsed = tmp_path / "profile.txt"
    collapsed.write_text(
        f"{chain};{session};{cache} 20\n{chain};{session};{query} 20\n{chain};{view_call};{query} 40\n"
        f"{own};{view_call};{view} 20\n"
    )

    assert cpu_profile.by_layer(collapsed) == {
        "middleware, session and sign-in": 0.4,
        "queries and model building": 0.4,
        "svtoolkit's views, services and selectors": 0.2,
    }


def test_djangos_helpers_count_against_the_template_that_called_them(tmp_path):
    handler = frame("get_response", "django/core/handlers/base.py")
    tag = frame("_TableRegion.render", "svtoolkit/core/templatetags/govuk.py")
    lazy = frame("LazyObject.__getattribute__", "django/utils/functional.py")
    reverse = frame("URLResolver._reverse_with_prefix", "django/urls/resolvers.py")
    collapsed = tmp_path / "profile.txt"
    collapsed.write_text(f"{handler};{tag};{lazy} 30\n{handler};{tag};{reverse} 20\n{handler};{reverse} 50\n")

    assert cpu_profile.by_layer(collapsed) == {
        "Django's request handling and URLs": 0.5,
        "templates": 0.5,
    }
