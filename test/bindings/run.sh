#!/usr/bin/env bash
# npm run test:bindings: the library as users of other languages get it.
# 1. Builds the jsii assembly (npm run build) and generates the bindings with jsii-pacmak: Go for this package and
#    for cdk8s (from node_modules/cdk8s, as cdk8s publishes it: the module proxy does not serve cdk8s-core-go; the
#    constructs and jsii-runtime Go modules come from the proxy), Python, Java and .NET as code.
# 2. Byte-compiles the Python package (no Python package registry here, so it cannot be installed and run).
# 3. Builds test/bindings/go, the example app (apps/main.ts) written in Go, synthesizes it and the TypeScript app in
#    both install modes, and fails unless every file is byte-identical.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=build/bindings

npm run build
rm -rf "$out"
# `npm pack` would run prepack (the build, again) for every package pacmak packs.
export npm_config_ignore_scripts=true
npx jsii-pacmak . node_modules/cdk8s --code-only --outdir "$out" --targets go
npx jsii-pacmak . --code-only --outdir "$out" --targets python java dotnet

python3 -m compileall -q "$out/python" >/dev/null
echo "test:bindings: Python package byte-compiled ($(find "$out/python" -name '*.py' | wc -l) files)"
for language in java dotnet; do
  test -n "$(find "$out/$language" -type f \( -name '*.java' -o -name '*.cs' \) -print -quit)" \
    || { echo "test:bindings: no $language sources generated in $out/$language" >&2; exit 1; }
done

(cd test/bindings/go && go build -o "$root/$out/example-app-go" .)

synth=$(mktemp -d)
trap 'rm -rf "$synth"' EXIT
for provided in false true; do
  CDK8S_OUTDIR="$synth/ts-$provided" KFWS_CONTROLLER_PROVIDED=$provided npx ts-node --transpile-only apps/main.ts
  CDK8S_OUTDIR="$synth/go-$provided" KFWS_CONTROLLER_PROVIDED=$provided "$out/example-app-go"
  files=$(find "$synth/ts-$provided" -type f | wc -l)
  if [ "$files" -eq 0 ]; then
    echo "test:bindings: the TypeScript app wrote no files" >&2
    exit 1
  fi
  if ! diff -r "$synth/ts-$provided" "$synth/go-$provided"; then
    echo "test:bindings: FAILED: the Go app's output differs from the TypeScript app's (KFWS_CONTROLLER_PROVIDED=$provided)" >&2
    exit 1
  fi
  echo "test:bindings: Go example app byte-identical to the TypeScript app ($files files, KFWS_CONTROLLER_PROVIDED=$provided)"
done
