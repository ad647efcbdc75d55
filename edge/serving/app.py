"""The Flask application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from edge.api.bounds import install as install_bounds
from edge.api.problems import ApiError, problem, problem_response
from edge.customers.io.exports import export_jobs
from edge.errors import DomainError
from edge.platform.box import Box
from edge.platform.config import Config, load_config

log = logging.getLogger(__name__)

# A third-party memo is up to 1,000,000 characters; JSON may escape each as \uXXXX.
MAX_BODY = 12 * 1024 * 1024


def create_app(
    config: Config | None = None,
    *,
    test_config: Mapping[str, Any] | None = None,
    box: Box | None = None,
) -> Flask:
    """Build the app. ``test_config`` holds dotted overrides (``"box.data_dir"``)."""
    if box is None:
        if config is None:
            config = load_config(overrides=dict(test_config or {}))
        box = Box.open(config)
    app = Flask(__name__, static_folder=None)
    install_bounds(app)  # the bounded int converter and JSON parser, before any route
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.config["JSON_SORT_KEYS"] = False
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["tilledge"] = box
    export_jobs(box)  # starts the hourly clean-up of <data_dir>/exports

    from edge.api.routes import api

    app.register_blueprint(api.blueprint)
    from web import init_app as init_web  # the staff panel (login, sessions, CSRF)

    init_web(app)
    _register_error_handlers(app)
    return app


def _wants_problem() -> bool:
    return request.path.startswith("/api/")


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    @app.errorhandler(DomainError)
    def _api_error(err: ApiError | DomainError):  # type: ignore[no-untyped-def]
        return problem_response(problem(err))

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):  # type: ignore[no-untyped-def]
        status = err.code or 500
        if not _wants_problem():
            return err
        headers = {}
        if status == 405 and err.valid_methods:  # type: ignore[attr-defined]
            headers["Allow"] = ", ".join(err.valid_methods)  # type: ignore[attr-defined]
        detail = err.description or ""
        if status == 404:
            detail = f"no route {request.method} {request.path}"
        return problem_response(ApiError(status, detail=detail, headers=headers))

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error on %s %s", request.method, request.path)
        problem = ApiError(500, "internal_error", "an unexpected error; it was logged")
        if not _wants_problem():
            return problem.detail, 500
        return problem_response(problem)
