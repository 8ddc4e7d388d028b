"""WSGI entry point: `flask --app app …` and `gunicorn app:app` load this module."""
from djgc_direct import create_app

app = create_app()
