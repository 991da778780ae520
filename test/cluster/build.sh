#!/usr/bin/env bash
# Builds, once, the binaries of the test control plane from Go modules (no downloads of binaries):
#   kube-apiserver, kube-controller-manager, kube-scheduler (k8s.io/kubernetes), etcd, kwok
# into ${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-kubeflow-workspaces/k8s-<version>/bin.
# Does nothing when they are already there (stamp file = hash of the committed go.mod/go.sum files).
# If KUBEBUILDER_ASSETS points to a folder holding etcd and kube-apiserver, those two are not built.
#
# KFWS_TEST_K8S_VERSION=<minor> (e.g. 1.32) builds the older API server of bin-src-<minor>/ instead: etcd and
# kube-apiserver only (API mode; the cluster suites run against it with the same variable set).
#
# usage: test/cluster/build.sh [--print-dir]
#   env: GO (default: go on PATH, else /usr/local/go/bin/go), BUILD_NICE (default 10), KFWS_TEST_K8S_VERSION
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -n "${KFWS_TEST_K8S_VERSION:-}" ] && [ -d "$HERE/bin-src-${KFWS_TEST_K8S_VERSION#v}" ]; then
  SRC="$HERE/bin-src-${KFWS_TEST_K8S_VERSION#v}"
elif [ -n "${KFWS_TEST_K8S_VERSION:-}" ] && ! grep -q "k8s.io/kubernetes v${KFWS_TEST_K8S_VERSION#v}" "$HERE/bin-src/go.mod"; then
  echo "build.sh: KFWS_TEST_K8S_VERSION=${KFWS_TEST_K8S_VERSION} matches neither $HERE/bin-src-${KFWS_TEST_K8S_VERSION#v}/ nor the version of bin-src/go.mod" >&2
  exit 1
else
  SRC="$HERE/bin-src"
fi
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
K8S_VERSION="$(sed -n 's#^[[:space:]]*k8s\.io/kubernetes[[:space:]]\+\(v[0-9.]*\).*#\1#p' "$SRC/go.mod" | head -n1)"
[ -n "$K8S_VERSION" ] || { echo "build.sh: cannot read the k8s.io/kubernetes version from $SRC/go.mod" >&2; exit 1; }
MINOR="$(echo "$K8S_VERSION" | cut -d. -f2)"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-kubeflow-workspaces/k8s-${K8S_VERSION}"
BIN="$CACHE_ROOT/bin"
STAMP="$BIN/.stamp"
# a module without kwok/ (bin-src-<minor>/) holds only etcd and kube-apiserver
API_ONLY=true
[ -f "$SRC/kwok/go.mod" ] && API_ONLY=false

if [ "${1:-}" = "--print-dir" ]; then echo "$BIN"; exit 0; fi
"$GO" version >/dev/null 2>&1 || { echo "build.sh: Go >= 1.26 is needed (set GO=/path/to/go)" >&2; exit 1; }

# bump RECIPE when the build commands or flags below change: it forces a rebuild
RECIPE=1
if $API_ONLY; then
  hash="$( (echo "recipe $RECIPE"; cat "$SRC/go.mod" "$SRC/go.sum") | sha256sum | cut -d' ' -f1)"
else
  hash="$( (echo "recipe $RECIPE"; cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/kwok/go.mod" "$SRC/kwok/go.sum") | sha256sum | cut -d' ' -f1)"
fi

have_assets=false
# KUBEBUILDER_ASSETS stands for the default version's etcd and kube-apiserver; an older one is always built
if [ -n "${KUBEBUILDER_ASSETS:-}" ] && ! $API_ONLY; then
  if [ -x "$KUBEBUILDER_ASSETS/etcd" ] && [ -x "$KUBEBUILDER_ASSETS/kube-apiserver" ]; then
    have_assets=true
    echo "build.sh: using etcd and kube-apiserver from KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
  else
    echo "build.sh: KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS does not hold executable etcd and kube-apiserver; ignoring it" >&2
  fi
fi

wanted="kube-controller-manager kube-scheduler kwok"
$API_ONLY && wanted=""
$have_assets || wanted="etcd kube-apiserver $wanted"

missing() {
  [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$hash" ] || { echo "$wanted"; return; }
  local m=""
  for b in $wanted; do [ -x "$BIN/$b" ] || m="$m $b"; done
  echo "$m"
}

todo="$(missing)"
if [ -z "${todo// /}" ]; then
  echo "build.sh: binaries for k8s ${K8S_VERSION} are up to date in $BIN"
  exit 0
fi

mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.build.lock"
flock 9   # one build at a time; a second caller waits, then finds the stamp
todo="$(missing)"
if [ -z "${todo// /}" ]; then echo "build.sh: binaries are up to date in $BIN"; exit 0; fi

echo "build.sh: building ${todo# } (k8s ${K8S_VERSION}) into $BIN; a cold build takes ~10 min and ~2.5 GB RAM on 2 cores"
start=$(date +%s)
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false"
# a stale stamp means the sources changed: rebuild everything that is wanted
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$hash" ]; then rm -f "$STAMP"; todo="$wanted"; fi
tmp="$(mktemp -d "$CACHE_ROOT/.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${K8S_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${MINOR} -X k8s.io/component-base/version.gitTreeState=clean"
gobuild() { nice -n "${BUILD_NICE:-10}" "$GO" build -trimpath -pgo=off "$@"; }

k8s_pkgs=""
for b in kube-apiserver kube-controller-manager kube-scheduler; do
  case " $todo " in *" $b "*) k8s_pkgs="$k8s_pkgs k8s.io/kubernetes/cmd/$b";; esac
done
# one go build for the k8s commands so that shared packages are compiled once
if [ -n "$k8s_pkgs" ]; then (cd "$SRC" && gobuild -ldflags "$ldflags" -o "$tmp/" $k8s_pkgs); fi
case " $todo " in *" etcd "*) (cd "$SRC" && gobuild -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3);; esac
case " $todo " in *" kwok "*) (cd "$SRC/kwok" && gobuild -ldflags "-s -w" -o "$tmp/kwok" sigs.k8s.io/kwok/cmd/kwok);; esac

mkdir -p "$BIN"
for f in "$tmp"/*; do mv -f "$f" "$BIN/"; done
echo "$hash" > "$STAMP"
end=$(date +%s)
echo "build.sh: built ${todo# } in $((end - start)) s -> $BIN"
"$BIN/kube-apiserver" --version 2>/dev/null || true
