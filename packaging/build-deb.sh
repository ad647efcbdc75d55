#!/usr/bin/env bash
# `make deb`: dist/tilledge_<version>_<arch>.deb for this machine's architecture,
# as a plain dpkg-deb tree (packaging/README.md says why, and what goes where).
#
#   our wheel (maturin, release) + every runtime dependency as wheels for the
#   target Python -> /opt/tilledge/wheels; postinst builds /opt/tilledge/venv
#   from them with --no-index, so installing needs no network.
#
# Caches (a second build costs seconds): ledger_core/target (the Rust build,
# shared with `make setup`), $BUILD/pip-cache (downloaded wheels), $BUILD/pyenv
# (the target-Python venv).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

VENV=${VENV:-.venv}
MATURIN=${MATURIN:-$VENV/bin/maturin}
# The interpreter postinst builds the venv with: Debian's, not the build venv's.
TARGET_PY=${TARGET_PY:-/usr/bin/python3}
BUILD=${BUILD:-$ROOT/build/deb}
OUT=${OUT:-$ROOT/dist}
MAINTAINER=${MAINTAINER:-TillEdge team <tilledge@users.noreply.github.com>}
ARCH=$(dpkg --print-architecture)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/ledger_core/target}
export PIP_CACHE_DIR=$BUILD/pip-cache
# The changelog entry is dated by the last commit, so a rebuild is the same.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
mkdir -p "$BUILD" "$OUT"

step() { printf '==> %s\n' "$*" >&2; }

# -- 0. a venv of the target Python: the build's tools, the wheelhouse's resolver -----
step "build venv of $TARGET_PY"
if ! "$BUILD/pyenv/bin/python" -c '' 2>/dev/null; then
    rm -rf "$BUILD/pyenv"
    "$TARGET_PY" -m venv "$BUILD/pyenv"
fi
pip=("$BUILD/pyenv/bin/python" -m pip --isolated --cache-dir "$PIP_CACHE_DIR")
# Build tools only, not shipped: dependencies published only as sdists (pydes,
# under nfcpy) are built into wheels here, and bookworm's setuptools needs the
# `wheel` package for that; Babel compiles the catalogs.
"${pip[@]}" install -q "wheel>=0.40,<1" "Babel>=2.16,<3" >&2

# -- 1. our wheel: the Rust core, the Python packages, the compiled catalogs ---------
step "wheel (maturin build --release)"
"$BUILD/pyenv/bin/pybabel" -q compile -d l10n/translations -D messages
rm -rf "$BUILD/wheel"
"$MATURIN" build --release -q -o "$BUILD/wheel" >&2
wheel=$(ls "$BUILD"/wheel/tilledge-*.whl)
version=$(basename "$wheel" | cut -d- -f2)
# PEP 440 pre-releases sort before the release in Debian only with "~".
debversion=$(printf '%s' "$version" | sed -E 's/(a|b|rc|\.dev)([0-9]+)$/~\1\2/')

# -- 2. the wheelhouse, resolved and built by the target Python's own pip -----------
step "wheelhouse for $TARGET_PY"
py_tag=$("$BUILD/pyenv/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
py_minor=$("$BUILD/pyenv/bin/python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')

tree=$BUILD/root
rm -rf "$tree"
wheels=$tree/opt/tilledge/wheels
mkdir -p "$wheels"
"${pip[@]}" wheel -q --prefer-binary --wheel-dir "$wheels" "$wheel" >&2
# Every wheel must suit the target Python: pure, abi3, or built for exactly it.
bad=$(cd "$wheels" && ls ./*.whl | grep -Ev -- "-(py3|py2\.py3)-none-any\.whl$|-(cp3[0-9]*)-abi3-|-${py_tag}-${py_tag}-" || true)
if [ -n "$bad" ]; then
    echo "build-deb: wheels not for $py_tag: $bad" >&2
    exit 1
fi
# And they resolve offline, as postinst will resolve them.
"${pip[@]}" install -q --dry-run --ignore-installed --no-index \
    --find-links "$wheels" "tilledge==$version" >&2

# -- 3. the files ----------------------------------------------------------------
step "tree"
install -D -m 0755 packaging/tilledge.sh "$tree/usr/bin/tilledge"
units=()
for unit in systemd/*.service systemd/*.timer; do
    install -D -m 0644 "$unit" "$tree/lib/systemd/system/$(basename "$unit")"
    # Only units with an [Install] section are enabled; the rest are started by them.
    grep -q '^\[Install\]' "$unit" && units+=("$(basename "$unit")")
done
install -D -m 0644 systemd/tilledge.sysusers.conf "$tree/usr/lib/sysusers.d/tilledge.conf"
install -D -m 0644 packaging/tilledge.tmpfiles "$tree/usr/lib/tmpfiles.d/tilledge.conf"
install -D -m 0644 systemd/60-tilledge-nfc.rules "$tree/lib/udev/rules.d/60-tilledge-nfc.rules"
install -D -m 0644 systemd/tilledge-blacklist.conf "$tree/etc/modprobe.d/tilledge-blacklist.conf"
mkdir -p "$tree/etc/tilledge"
# The module is plain text (no imports): read it without the app's dependencies.
"$BUILD/pyenv/bin/python" -c 'import runpy, sys; sys.stdout.write(runpy.run_path(sys.argv[1])["TEMPLATE"])' \
    edge/platform/config_template.py >"$tree/etc/tilledge/tilledge.toml"
chmod 0644 "$tree/etc/tilledge/tilledge.toml"

doc=$tree/usr/share/doc/tilledge
install -D -m 0644 packaging/debian/copyright "$doc/copyright"
install -D -m 0644 README.md "$doc/README.md"
mkdir -p "$doc/docs"
install -m 0644 docs/*.md "$doc/docs/"
mkdir -p "$tree/usr/share/man/man1"
gzip -9n <packaging/tilledge.1 >"$tree/usr/share/man/man1/tilledge.1.gz"
chmod 0644 "$tree/usr/share/man/man1/tilledge.1.gz"
install -D -m 0644 packaging/debian/lintian-overrides "$tree/usr/share/lintian/overrides/tilledge"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
{
    printf 'tilledge (%s) unstable; urgency=medium\n\n' "$debversion"
    printf '  * Built from commit %s; see the git history for changes.\n\n' "$commit"
    printf ' -- %s  %s\n' "$MAINTAINER" "$(date -R -u -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

# -- 4. control data ---------------------------------------------------------------
step "control"
control=$tree/DEBIAN
mkdir -p "$control"
for script in postinst prerm postrm; do
    sed -e "s|@VERSION@|$version|g" -e "s|@UNITS@|${units[*]}|g" \
        "packaging/debian/$script" >"$control/$script"
    chmod 0755 "$control/$script"
done
# Every file under /etc is a conffile: dpkg keeps the technician's edits.
(cd "$tree" && find etc -type f -printf '/%p\n' | sort) >"$control/conffiles"
installed_size=$(du -sk --exclude=DEBIAN "$tree" | cut -f1)
sed -e "s|@VERSION@|$debversion|" -e "s|@ARCH@|$ARCH|" -e "s|@SIZE@|$installed_size|" \
    -e "s|@MAINTAINER@|$MAINTAINER|" -e "s|@PYMINOR@|$py_minor|g" \
    -e "s|@PYNEXT@|${py_minor%.*}.$((${py_minor#*.} + 1))|" \
    packaging/debian/control >"$control/control"
(cd "$tree" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z \
    | xargs -0 md5sum) >"$control/md5sums"
chmod 0644 "$control"/control "$control"/conffiles "$control"/md5sums

# -- 5. the package ---------------------------------------------------------------
deb=$OUT/tilledge_${debversion}_${ARCH}.deb
step "$deb"
find "$tree" -type d -exec chmod 0755 {} +
dpkg-deb --root-owner-group -Zxz -z6 --build "$tree" "$deb" >&2
echo "$deb"
