#!/usr/bin/env bash
# Pushes the image `npm run build:image` built (build/image:<package version>) to a registry by digest, then tags it
# with the package version there, and checks that the registry names it by the digest the build wrote
# (build/image-digest): the reference a release pins is the image that was built, byte for byte.
#
#   scripts/push-image.sh [--insecure] <registry>/<repository>     e.g. ghcr.io/cdk8s-kubeflow-workspaces/reconciler
#
# Prints `<registry>/<repository>:<version>@<digest>`. Credentials are skopeo's (`skopeo login <registry>` first);
# --insecure allows plain HTTP and unverified TLS (a registry on localhost). The release workflow and the image test
# suite both push with this script.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "push-image: $*" >&2
  exit 1
}

tls=()
if [[ ${1:-} == --insecure ]]; then
  tls=(--src-tls-verify=false --dest-tls-verify=false)
  shift
fi
[[ $# == 1 ]] || fail "usage: $0 [--insecure] <registry>/<repository>"
destination=$1
[[ $destination =~ ^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+$ ]] ||
  fail "destination is \"$destination\"; expected <registry>/<repository> without tag or digest, e.g. ghcr.io/cdk8s-kubeflow-workspaces/reconciler"
command -v skopeo >/dev/null || fail "skopeo not found (Debian: apt-get install skopeo)"

version=$(node -p "require('./package.json').version")
[[ -f build/image-digest && -f build/image/index.json ]] || fail "no built image: run \`npm run build:image\` first"
digest=$(<build/image-digest)
layout_digest=$(node -e "
  const i = require('./build/image/index.json').manifests.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] === process.argv[1]);
  process.stdout.write(i.length === 1 ? i[0].digest : '');" "$version")
[[ -n $layout_digest ]] || fail "build/image has no image tagged $version: run \`npm run build:image\`"
[[ $layout_digest == "$digest" ]] || fail "build/image:$version is $layout_digest but build/image-digest says $digest: run \`npm run build:image\`"

work=$(mktemp -d "${TMPDIR:-/tmp}/kfws-push-XXXXXX")
trap 'rm -rf "$work"' EXIT
# skopeo needs a signature policy even to copy our own image: this one accepts it.
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$work/policy.json"
copy() { skopeo --policy "$work/policy.json" copy --quiet --retry-times 3 "${tls[@]}" "$@"; }

copy --digestfile "$work/pushed" "oci:build/image:$version" "docker://$destination@$digest"
pushed=$(<"$work/pushed")
[[ $pushed == "$digest" ]] || fail "the registry stored $pushed, not the built $digest"
# The tag is a name for people; clusters take the digest.
copy --digestfile "$work/tagged" "docker://$destination@$digest" "docker://$destination:$version"
tagged=$(<"$work/tagged")
[[ $tagged == "$digest" ]] || fail "$destination:$version names $tagged, not the built $digest"
echo "$destination:$version@$digest"
