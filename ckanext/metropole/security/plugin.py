import ckan.plugins as p
import ckan.plugins.toolkit as tk

from . import auth, csrf, disclosure, harvest_sources, payload, requests, search, validators, views


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

    def update_config(self, config):
        tk.add_template_directory(config, "templates")

    def get_actions(self):
        extra_checks = {"package_create": harvest_sources.check_create,
                        "package_update": harvest_sources.check_update}
        guarded = {name: payload.guard(name, extra_checks.get(name)) for name in payload.guarded_actions()}
        return {**guarded,
                "package_search": search.package_search,
                "harvest_source_list": disclosure.harvest_source_list,
                "user_list": disclosure.user_list}

    def get_validators(self):
        return validators.get_validators()

    def get_auth_functions(self):
        return auth.get_auth_functions()

    def get_blueprint(self):
        return views.blueprint

    def make_middleware(self, app, config):
        # IMiddleware is called for the Flask app only in CKAN 2.11
        app.before_request(requests.check_request)
        return csrf.install(app)
