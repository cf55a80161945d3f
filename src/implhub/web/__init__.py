"""The web door: FastAPI app with server-rendered pages (Jinja2) and a JSON API under /api."""
