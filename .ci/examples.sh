#!/usr/bin/env bash
# Vets and tests every Go module of the repository other than the root one
# (examples and benchmarks whose dependencies library users must not
# inherit). Each has its own go.mod with a replace directive to the
# library. Run from anywhere; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

found=0
while IFS= read -r mod; do
	dir=$(dirname "$mod")
	[ "$dir" = "." ] && continue
	found=$((found + 1))
	echo "== module $dir: go vet, go test"
	go -C "$dir" vet ./...
	go -C "$dir" test -count=1 ./...
done < <(find . -name go.mod -not -path './.git/*' -not -path '*/testdata/*' | sort)

if [ "$found" -eq 0 ]; then
	echo "no module besides the root one: nothing to check" >&2
	exit 1
fi
echo "== $found separate module(s) passed"
