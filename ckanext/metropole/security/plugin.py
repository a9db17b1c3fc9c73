import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ..resources import only_loaded
from . import auth, csrf, disclosure, harvest_sources, payload, requests, search, validators, views

# What this plugin hardens of other plugins (name prefix -> the plugin defining those actions and
# auth functions) is chained only when that plugin is loaded: it builds on none of them.
HARDENED = {
    "harvest_": "harvest",
    "metropole_reuse_": "metropole_reuses",
    "metropole_review_": "metropole_review",
}


@tk.blanket.config_declarations
class SecurityPlugin(p.SingletonPlugin):
    """metropole_security: what an attacker or a careless client must not get through —
    search parameters checked, state-changing routes POST-only, tighter authorisations."""

    p.implements(p.IConfigurer)
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)
    p.implements(p.IValidators)
    p.implements(p.IMiddleware, inherit=True)
    p.implements(p.IBlueprint)

    required_plugins = ()

    def update_config(self, config):
        tk.add_template_directory(config, "templates")

    def get_actions(self):
        extra_checks = {
            "package_create": harvest_sources.check_create,
            "package_update": harvest_sources.check_update,
        }
        guarded = {name: payload.guard(name, extra_checks.get(name)) for name in payload.guarded_actions()}
        return only_loaded(
            {
                **guarded,
                "package_search": search.package_search,
                "harvest_source_list": disclosure.harvest_source_list,
                "user_list": disclosure.user_list,
            },
            HARDENED,
        )

    def get_validators(self):
        return validators.get_validators()

    def get_auth_functions(self):
        return only_loaded(auth.get_auth_functions(), HARDENED)

    def get_blueprint(self):
        # POST twins of ckanext-harvest's routes
        return [views.blueprint] if p.plugin_loaded("harvest") else []

    def make_middleware(self, app, config):
        # IMiddleware is called for the Flask app only in CKAN 2.11
        app.before_request(requests.check_request)
        return csrf.install(app)
