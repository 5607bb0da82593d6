#!/usr/bin/env bash
# Writes the commit the tree is at into Sources/CGatehouseBuildInfo/generated_commit.h, which
# `gatehouse --version` reports. Outside git (a source tarball) it writes nothing and the
# binary says "unknown". Rewrites the file only when the commit changed, so builds stay incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
out=Sources/CGatehouseBuildInfo/generated_commit.h
if ! commit=$(git rev-parse HEAD 2>/dev/null); then
    if [ -f "$out" ]; then rm -f "$out"; touch Sources/CGatehouseBuildInfo/build_info.c; fi
    exit 0
fi
# Only what git itself tracks counts as a change (not build output, not this header).
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit-dirty"; fi
line="#define GATEHOUSE_COMMIT \"$commit\""
if [ ! -f "$out" ] || [ "$(cat "$out")" != "$line" ]; then
    echo "$line" > "$out"
    # A header that did not exist at the last build is not in its dependency list: touch the source.
    touch Sources/CGatehouseBuildInfo/build_info.c
fi
