#!/usr/bin/env bash
# Checks that a program using the library inherits no test infrastructure:
# a fresh module outside the repository that imports only the root package
# and s3store (with a replace directive to this checkout) must list no
# testcontainers, moby, Docker or OpenTelemetry module in `go list -m all`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cat >"$dir/go.mod" <<MOD
module example.com/consumer

go $(go -C "$root" list -m -f '{{.GoVersion}}')

require github.com/prevayler-go/prevayler v0.0.0

replace github.com/prevayler-go/prevayler => $root
MOD
cat >"$dir/main.go" <<'SRC'
package main

import (
	"context"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/s3store"
)

func add(s, e int, _ time.Time) (int, int, error) { return s + e, s + e, nil }

func main() {
	ctx := context.Background()
	client, err := s3store.NewClient(ctx, s3store.ClientOptions{})
	if err != nil {
		panic(err)
	}
	p, err := prevayler.Open(ctx, add, prevayler.Options[int]{Store: s3store.New(client, s3store.Options{Bucket: "b"})})
	if err == nil {
		p.Close()
	}
}
SRC
go -C "$dir" mod tidy
go -C "$dir" build -o /dev/null .
mods=$(go -C "$dir" list -m all)
if bad=$(grep -i -E 'testcontainers|moby|docker|opentelemetry|otel' <<<"$mods"); then
	echo "FAIL: a program using the library inherits test infrastructure:"; echo "$bad"; exit 1
fi
echo "== a consumer of the root package and s3store lists $(wc -l <<<"$mods") modules, none of testcontainers, moby, Docker or OpenTelemetry"
