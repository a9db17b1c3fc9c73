import ckan.plugins as p


class ThemePlugin(p.SingletonPlugin):
    """metropole_theme: métropole branding, French portal pages, participation figures.

    Wiring only; templates, helpers and views live in this folder.
    """
