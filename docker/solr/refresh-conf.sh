#!/bin/bash
# Run by the Solr image before start: copy the image's ckan configset over the conf of an
# existing core, so a rebuilt image (new CKAN or schema) is what the core loads.
core_conf=/var/solr/data/ckan/conf
if [ -d "$core_conf" ]; then
    rm -f "$core_conf"/managed-schema*
    cp -a /opt/solr/server/solr/configsets/ckan/conf/. "$core_conf/"
fi
