"""See and query the data: DataStore loading status, records API, table/map/chart views, reuses."""
