import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ..resources import require_plugins
from . import auth, chained, labels, logic, views


@tk.blanket.config_declarations
class ReviewPlugin(labels.ReviewPermissionLabels, p.SingletonPlugin):
    """metropole_review: communes' datasets go public once the métropole accepts them."""

    p.implements(p.IConfigurer)
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)
    p.implements(p.IPermissionLabels)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IBlueprint)

    # the review's fields are the dataset schema's; the reviewers are the métropoles' members
    # (organisations of kind "metropole", metropole_communes)
    required_plugins = ("metropole_dataset", "metropole_communes")

    def update_config(self, config):
        require_plugins(self)
        tk.add_template_directory(config, "templates")

    def get_actions(self):
        return {**logic.get_actions(), **chained.get_actions()}

    def get_auth_functions(self):
        return auth.get_auth_functions()

    def get_helpers(self):
        return views.get_helpers()

    def get_blueprint(self):
        return views.blueprint
