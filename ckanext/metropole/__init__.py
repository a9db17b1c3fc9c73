"""ckanext-metropole: a shared open-data portal for a French métropole and its communes."""
