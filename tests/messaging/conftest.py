import pytest

from tests.messaging.servers import ControlledSMTP


@pytest.fixture
def smtp_server(settings):
    """svtoolkit's email goes to a real SMTP server for this test, with a one-second send timeout."""
    server = ControlledSMTP()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.SVTOOLKIT_EMAIL_PROVIDER = "smtp"
    settings.SVTOOLKIT_SEND_TIMEOUT = 1
    yield server
    server.stop()
