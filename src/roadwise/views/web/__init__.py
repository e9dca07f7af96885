"""The Roadwise web app: server-rendered pages and a JSON API over one workspace store.

``create_app(db_url)`` builds the FastAPI application; ``roadwise serve`` runs it on uvicorn.
"""

from roadwise.views.web.app import create_app

__all__ = ["create_app"]
