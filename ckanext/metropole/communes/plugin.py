import ckan.plugins as p


class CommunesPlugin(p.SingletonPlugin):
    """metropole_communes: commune organisations built from official reference data.

    Wiring only; the organisation schema, the territory CLI and the commune pages
    live in this folder's modules.
    """
