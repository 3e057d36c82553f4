#!/bin/sh
# Rebuild samples/support-bundle.tar.gz from the samples/support-bundle/
# tree, byte for byte reproducibly (sorted names, fixed time and owner, no
# gzip timestamp), the way troubleshoot.sh hands bundles over. The e2e test
# support-bundle-tarball checks that the tarball and the tree agree.
set -eu
cd "$(dirname "$0")/.."
tar --sort=name --mtime='2024-05-01 10:30:00Z' --owner=0 --group=0 \
	--numeric-owner --format=gnu -cf - -C samples support-bundle |
	gzip -9n >samples/support-bundle.tar.gz
ls -l samples/support-bundle.tar.gz
