#!/usr/bin/env bash
# `make bench`: release-mode benchmarks; each figure goes to target/bench/results.jsonl beside the
# machine limit measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p target/bench
cargo bench --locked --bench etender -- "$@"
