#!/usr/bin/env bash
# Starts a real S3-compatible server (versitygw, Apache-2.0) on loopback for
# the S3 tests, and prints the environment that points them at it:
#
#   eval "$(bash .ci/s3server.sh)"
#   trap 'kill "$S3SERVER_PID"; rm -rf "$S3SERVER_DIR"' EXIT
#
# Only `export` lines go to standard output; progress goes to standard
# error. The server runs in the background with its own temporary
# directory and fixed test credentials; the caller stops it with the PID
# printed as S3SERVER_PID.
set -euo pipefail

# v1.8.0 makes conditional PUTs atomic per key (its POSIX backend holds a
# per-key publish lock while it checks If-Match / If-None-Match and links
# the object); earlier versions let concurrent conditional PUTs all win,
# which would make the fencing race tests prove nothing.
# internal/s3test's TestConditionalRace checks it against the server.
VERSION=v1.8.0
MODULE=github.com/versity/versitygw
ACCESS=prevayler-test
SECRET=prevayler-test-secret
REGION=us-east-1

log() { echo "s3server: $*" >&2; }

bindir=$(go env GOBIN)
[ -n "$bindir" ] || bindir="$(go env GOPATH)/bin"
bin="$bindir/versitygw"

# go install records the module version in the binary; reinstall when it
# is missing or another version.
if ! go version -m "$bin" 2>/dev/null | grep -Eq "^[[:space:]]+mod[[:space:]]+$MODULE[[:space:]]+$VERSION([[:space:]]|$)"; then
	log "installing versitygw $VERSION (a few minutes the first time)"
	go install "$MODULE/cmd/versitygw@$VERSION" >&2
fi

# A free port: nothing answers on it yet.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=""
for p in $(seq 17070 17170); do
	if port_free "$p"; then port=$p; break; fi
done
[ -n "$port" ] || { log "no free port in 17070-17170"; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/prevayler-s3.XXXXXX")
mkdir -p "$dir/data"
# setsid: the server outlives this script in its own session, so the
# caller's job control does not touch it; the caller kills it by PID.
setsid "$bin" --port "127.0.0.1:$port" --access "$ACCESS" --secret "$SECRET" --region "$REGION" \
	posix "$dir/data" >"$dir/server.log" 2>&1 </dev/null &
pid=$!

stop() { kill "$pid" 2>/dev/null || true; rm -rf "$dir"; }
for _ in $(seq 1 100); do
	if ! kill -0 "$pid" 2>/dev/null; then
		log "versitygw exited at start:"; cat "$dir/server.log" >&2; stop; exit 1
	fi
	if ! port_free "$port"; then
		log "versitygw $VERSION answers on 127.0.0.1:$port (pid $pid, log $dir/server.log)"
		cat <<EOF
export PREVAYLER_S3_ENDPOINT=http://127.0.0.1:$port
export AWS_ACCESS_KEY_ID=$ACCESS
export AWS_SECRET_ACCESS_KEY=$SECRET
export AWS_REGION=$REGION
export PREVAYLER_S3_REQUIRED=1
export S3SERVER_PID=$pid
export S3SERVER_DIR=$dir
EOF
		exit 0
	fi
	sleep 0.1
done
log "versitygw did not answer on 127.0.0.1:$port within 10s:"; cat "$dir/server.log" >&2
stop
exit 1
