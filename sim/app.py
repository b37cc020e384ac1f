"""create_app(config): builds the Simulator, mounts the vendors and the /_sim control plane."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from sim.config import Config
from sim.control.routes import bp as control_bp
from sim.control.routes import require_admin_token
from sim.control.scenario import bp as scenario_bp
from sim.control.ui import bp as ui_bp
from sim.core.resources import data_dir
from sim.simulator import Simulator
from sim.web.pipeline import spec_for_path, unmatched
from sim.web.problem import problem
from sim.web.spec import VendorSpec


def create_app(config: Config | None = None, specs: list[VendorSpec] | None = None) -> Flask:
    config = config or Config()
    if specs is None:
        from sim.vendors import SPECS
        specs = list(SPECS)
    if config.vendors is not None:
        specs = [s for s in specs if s.name in config.vendors]
    if config.vendor is not None and config.vendor not in {s.name for s in specs}:
        raise ValueError(f"unknown vendor {config.vendor!r}; choose from {', '.join(s.name for s in specs)}")
    app = Flask("sim")
    app.config["MAX_CONTENT_LENGTH"] = config.max_body
    sim = Simulator(config, specs)
    app.extensions["sim"] = sim

    for spec in specs:
        if config.vendor is not None and spec.name != config.vendor:
            continue
        prefixes = spec.roots if config.vendor else spec.mounts
        bp = spec.blueprint()
        for i, prefix in enumerate(prefixes):
            app.register_blueprint(bp, url_prefix=prefix, name=spec.name if i == 0 else f"{spec.name}_{i}")
        if spec.openapi:
            path = "/openapi.json" if config.vendor else f"/{spec.name}/openapi.json"
            app.add_url_rule(path, endpoint=f"{spec.name}_openapi", view_func=_openapi_view(spec))
        if spec.controls is not None:
            app.register_blueprint(spec.controls(), url_prefix=f"/_sim/workspaces/<ws_id>/{spec.name}")
    app.register_blueprint(control_bp, url_prefix="/_sim")
    app.register_blueprint(ui_bp, url_prefix="/_sim/ui")  # the dashboard
    app.register_blueprint(scenario_bp, url_prefix="/_sim")  # POST /_sim/workspaces/{id}/scenarios/{name}

    @app.before_request
    def admin_token():
        # every /_sim route, the vendors' control blueprints included, needs the admin token when one is set
        if request.path == "/_sim" or request.path.startswith("/_sim/"):
            return require_admin_token()
        return None

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        spec = spec_for_path(sim, request.path)
        status = exc.code or 500
        if spec is not None and status in (404, 405, 413):
            response = unmatched(sim, spec, status)
        else:
            response = problem(status, exc.description or exc.name)
        if status == 405 and getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)  # a 405 names the methods that do work
        return response

    @app.errorhandler(Exception)
    def unhandled(exc: Exception):
        app.logger.exception("unhandled error")
        return problem(500, "internal error")

    return app


def _openapi_view(spec: VendorSpec):
    def view():
        path = data_dir("schemas") / spec.name / spec.openapi
        return Response(path.read_bytes(), mimetype="application/json")
    return view
