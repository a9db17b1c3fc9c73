"""Why reuses are a scheming dataset type of our own rather than ckanext-showcase."""

from __future__ import annotations

import importlib.metadata

import pytest


def test_the_pypi_release_of_ckanext_showcase_does_not_load_on_ckan_2_11():
    """ckanext-showcase 1.5.1 (2022), the newest on PyPI, calls toolkit.add_ckan_admin_tab
    when its plugin configures itself; CKAN 2.11 removed that function, so the plugin stops
    CKAN from starting. When a release passes this, reconsider it (and drop this test)."""
    assert importlib.metadata.version("ckanext-showcase") == "1.5.1"
    from ckanext.showcase.plugin import ShowcasePlugin

    with pytest.raises(AttributeError, match="add_ckan_admin_tab"):
        ShowcasePlugin().update_config({})
