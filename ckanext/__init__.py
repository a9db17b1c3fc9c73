# ckanext is shared by every CKAN extension: let all their folders form one package.
__path__ = __import__("pkgutil").extend_path(__path__, __name__)
