import ckan.plugins as p


class DatasetPlugin(p.SingletonPlugin):
    """metropole_dataset: the French themed dataset schema, French search and DCAT-AP.

    Wiring only; the schema is ``schemas/dataset.yaml`` (ckanext-scheming).
    """
