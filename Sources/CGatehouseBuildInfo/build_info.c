#include "CGatehouseBuildInfo.h"

// scripts/stamp-commit.sh writes this header (not in git); without it the commit is unknown.
#if __has_include("generated_commit.h")
#include "generated_commit.h"
#endif

#ifndef GATEHOUSE_COMMIT
#define GATEHOUSE_COMMIT "unknown"
#endif

const char *gatehouse_build_commit(void) { return GATEHOUSE_COMMIT; }
