#!/bin/bash
# solr-init (docker-compose.yml): our configset into ZooKeeper, then the collection "ckan"
# with a replica of every shard on each node; when it exists already, a reload with the
# configset just uploaded (a new schema: then `ckan search-index rebuild`, README "Upgrading").
set -euo pipefail
conf=/opt/solr/server/solr/configsets/ckan/conf
node=${SOLR_NODES%% *}
nodes=$(echo "$SOLR_NODES" | wc -w)
solr zk upconfig -z "$ZK_HOST" -n ckan -d "$conf"
if curl -fsS "http://$node/solr/admin/collections?action=LIST&wt=json" | grep -q '"ckan"'; then
    curl -fsS "http://$node/solr/admin/collections?action=RELOAD&name=ckan&wt=json"
else
    curl -fsS "http://$node/solr/admin/collections?action=CREATE&name=ckan&collection.configName=ckan&numShards=${SOLR_SHARDS:-1}&replicationFactor=$nodes&wt=json"
fi
