from django.apps import AppConfig
from django.db.backends.signals import connection_created

# SQLite's LIKE and LOWER fold case for A to Z only ("élise" would miss "Élise"): a search on SQLite compares
# both sides folded by Python's str.casefold, given to each connection under this name.
CASEFOLD_FUNCTION = "svt_casefold"


def _give_sqlite_casefold(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            CASEFOLD_FUNCTION, 1, lambda text: None if text is None else text.casefold(), deterministic=True
        )


class SearchConfig(AppConfig):
    name = "svtoolkit.search"
    label = "search"
    verbose_name = "Search"

    def ready(self):
        connection_created.connect(_give_sqlite_casefold, dispatch_uid="svtoolkit.search.casefold")
