#!/usr/bin/env bash
# Vets and tests every Go module of the repository other than the root one
# (examples, benchmarks and the LocalStack helper, whose dependencies
# library users must not inherit). Each has its own go.mod with a replace
# directive to the library. Run from anywhere; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

# Modules that must be there: a missing one fails instead of shrinking the run.
required="./bench ./examples/lambda ./localstack"

found=0
seen=""
while IFS= read -r mod; do
	dir=$(dirname "$mod")
	[ "$dir" = "." ] && continue
	found=$((found + 1))
	seen="$seen $dir"
	echo "== module $dir: go vet, go test"
	go -C "$dir" vet ./...
	if [ "$dir" = "./localstack" ] && docker info >/dev/null 2>&1; then
		# Docker answers: the LocalStack suites must run, not skip.
		log=$(mktemp)
		status=0
		go -C "$dir" test -count=1 -v ./... >"$log" 2>&1 || status=$?
		grep -E -- '^(--- |ok|FAIL)' "$log" || true
		[ "$status" -eq 0 ] || { cat "$log"; rm -f "$log"; exit 1; }
		if grep -q -- '--- SKIP' "$log"; then
			rm -f "$log"; echo "FAIL: LocalStack tests skipped although Docker answers"; exit 1
		fi
		rm -f "$log"
	else
		go -C "$dir" test -count=1 ./...
	fi
done < <(find . -name go.mod -not -path './.git/*' -not -path '*/testdata/*' | sort)

for dir in $required; do
	case " $seen " in
	*" $dir "*) ;;
	*) echo "FAIL: module $dir is missing" >&2; exit 1 ;;
	esac
done
if ! docker info >/dev/null 2>&1; then
	echo "note: no Docker daemon: the LocalStack tests of ./localstack skipped"
fi
echo "== $found separate module(s) passed"
