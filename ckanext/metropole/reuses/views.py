"""/reutilisations: published reuses, the proposal form, moderation."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import flask

blueprint = flask.Blueprint("metropole_reuses", __name__, url_prefix="/reutilisations")

FORM_FIELDS = ("title", "notes", "url", "image_url", "reuse_type", "datasets")


def _context():
    return {"user": tk.g.user, "auth_user_obj": tk.g.userobj}


@blueprint.route("/")
def index():
    context = _context()
    reuses = tk.get_action("metropole_reuse_list")(context, {"include_pending": True, "rows": 100})
    try:
        tk.check_access("metropole_reuse_publish", context, {})
        moderator = True
    except tk.NotAuthorized:
        moderator = False
    return tk.render("reuses/index.html", {"reuses": reuses["results"], "moderator": moderator})


@blueprint.route("/proposer", methods=["GET", "POST"])
def new():
    if not tk.g.user:
        tk.h.flash_notice(tk._("Sign in to propose a reuse."))
        return tk.redirect_to("user.login", came_from=tk.url_for("metropole_reuses.new"))
    data, errors = {}, {}
    if flask.request.method == "POST":
        data = {k: flask.request.form.get(k, "").strip() for k in FORM_FIELDS}
        try:
            tk.get_action("metropole_reuse_submit")(_context(), dict(data))
        except tk.ValidationError as e:
            errors = e.error_dict
        else:
            tk.h.flash_success(
                tk._("Thank you: your reuse will be published once the métropole has checked it.")
            )
            return tk.redirect_to("metropole_reuses.index")
    dataset = flask.request.args.get("dataset")
    if dataset and not data:
        data["datasets"] = dataset
    return tk.render("reuses/new.html", {"data": data, "errors": errors})


@blueprint.route("/<id>/publier", methods=["POST"])
def publish(id: str):
    try:
        tk.get_action("metropole_reuse_publish")(_context(), {"id": id})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the métropole's administrators publish reuses."))
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("Reuse not found"))
    tk.h.flash_success(tk._("The reuse is published."))
    return tk.redirect_to("metropole_reuses.index")
