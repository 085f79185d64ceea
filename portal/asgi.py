"""The ASGI entry point for production servers (uvicorn portal.asgi:app): settings from the environment,
the database migrated beforehand by the one-shot `migrate` service."""

from portal.app import create_app

app = create_app()
