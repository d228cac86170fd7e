#!/usr/bin/env bash
# rustdoc with the unstable features docs.rs's nightly has (`doc_cfg`), for
# scripts/test/package.sh. Scoped to rustdoc: the compiler that builds the
# dependencies stays a plain stable one.
RUSTC_BOOTSTRAP=1 exec rustdoc "$@"
