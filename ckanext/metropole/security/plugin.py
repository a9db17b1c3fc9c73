import ckan.plugins as p
import ckan.plugins.toolkit as tk

from . import auth, csrf, disclosure, harvest_sources, search, validators, views


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
        return {"package_search": search.package_search,
                "harvest_source_list": disclosure.harvest_source_list,
                "user_list": disclosure.user_list,
                "package_create": harvest_sources.package_create,
                "package_update": harvest_sources.package_update}

    def get_validators(self):
        return validators.get_validators()

    def get_auth_functions(self):
        return auth.get_auth_functions()

    def get_blueprint(self):
        return views.blueprint

    def make_middleware(self, app, config):
        # IMiddleware is called for the Flask app only in CKAN 2.11
        return csrf.install(app)
