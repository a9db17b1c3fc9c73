"""package_create_default_resource_views, chained: no lookup of existing views when no default
view can show any of the dataset's resources.

CKAN's own action reads each resource's existing views (resource_view_list, with its access
check) before asking the default view plugins whether they can show it; for most resources
(a CSV not yet in the DataStore, a link to a web page) none can, and nothing is created. Every
dataset written (a harvest writes thousands) paid those reads for nothing. Asking the plugins
first changes nothing of what is created: a view is only ever created where one can show it.
"""

from __future__ import annotations

import ckan.lib.datapreview as datapreview
import ckan.plugins.toolkit as tk


@tk.chained_action
def package_create_default_resource_views(up_func, context, data_dict):
    dataset = tk.get_or_bust(data_dict, "package")
    if context.get("ignore_auth"):
        # authorised whoever the user is (package_create's call): CKAN's check need not look
        # the user up first, as it does once per context
        context.setdefault("__auth_user_obj_checked", True)
    tk.check_access("package_create_default_resource_views", context, data_dict)
    plugins = datapreview.get_default_view_plugins(tk.asbool(data_dict.get("create_datastore_views", False)))
    if not any(
        plugin.can_view({"resource": resource, "package": dataset})
        for resource in dataset.get("resources") or []
        for plugin in plugins
    ):
        return []
    return up_func(context, data_dict)


def get_actions() -> dict:
    return {"package_create_default_resource_views": package_create_default_resource_views}
