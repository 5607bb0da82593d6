#ifndef CGATEHOUSE_BUILD_INFO_H
#define CGATEHOUSE_BUILD_INFO_H

/// The commit the binary was built from (`git rev-parse HEAD`, `-dirty` when the tree had
/// changes), written by scripts/stamp-commit.sh before `make build` / `make test`; "unknown"
/// when built outside git or without the script.
const char *gatehouse_build_commit(void);

#endif
