#!/bin/sh
# check-todos.sh rejects shortcoming marks that do not say what is missing: a TODO must be
# followed by a sentence ("// TODO: what is missing; what breaks because of it."), and
# FIXME, XXX and HACK are not used at all.
set -eu
bad=$(git ls-files '*.go' | xargs grep -nE '//\s*(TODO($|[^:])|TODO:\s*$|FIXME|XXX|HACK)' || true)
if [ -n "$bad" ]; then
	echo "shortcoming marks without a sentence:" >&2
	echo "$bad" >&2
	exit 1
fi
