#!/bin/bash
# ./bootstrap leaves the services of the host alone: run with every package
# present and nsd.service active (stub systemctl, service, invoke-rc.d,
# pkill, killall, dpkg-query, autoreconf; a stub ./configure), it may ask
# about services but never stops, restarts, reloads, disables or masks one,
# and says why the lab may not bind. TAP.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
tmp=$(mktemp -d /tmp/mxvet-bootstrap-host.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
echo "1..3"
mkdir "$tmp/bin"
cp "$top_srcdir/bootstrap" "$tmp/bootstrap"
for t in systemctl service invoke-rc.d pkill killall apt-get debconf-set-selections autoreconf; do
	printf '#!/bin/sh\necho "%s $*" >> "%s/calls"\n' "$t" "$tmp" > "$tmp/bin/$t"
done
# systemctl is-active nsd: yes, it runs
printf '#!/bin/sh\necho "systemctl $*" >> "%s/calls"\n[ "$1" = is-active ] && exit 0\nexit 0\n' \
	"$tmp" > "$tmp/bin/systemctl"
printf '#!/bin/sh\nprintf "install ok installed"\n' > "$tmp/bin/dpkg-query"
printf '#!/bin/sh\necho "configure $*" >> "%s/calls"\n' "$tmp" > "$tmp/configure"
chmod +x "$tmp/bin/"* "$tmp/configure"
: > "$tmp/calls"
PATH="$tmp/bin:$PATH" sh "$tmp/bootstrap" > "$tmp/out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q '^configure' "$tmp/calls"; then echo "ok 1 - bootstrap runs to ./configure"
else echo "not ok 1 - bootstrap runs to ./configure (exit $rc)"; sed 's/^/#   /' "$tmp/out" "$tmp/calls"; fi
bad=$(grep -E '^(pkill|killall|apt-get)|^(systemctl|service|invoke-rc.d) .*(stop|start|restart|reload|disable|mask|kill|enable)' "$tmp/calls")
if [ -z "$bad" ]; then echo "ok 2 - no service of the host is stopped or reconfigured"
else echo "not ok 2 - no service of the host is stopped or reconfigured"; echo "$bad" | sed 's/^/#   /'; fi
if grep -q "nsd.service runs on this host" "$tmp/out" && grep -q "test lab cannot bind" "$tmp/out"; then
	echo "ok 3 - a running system nsd is named as what may keep the lab from binding"
else
	echo "not ok 3 - a running system nsd is named"; sed 's/^/#   /' "$tmp/out"
fi
