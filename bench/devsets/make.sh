#!/usr/bin/env bash
# Build the corpora of the two extra judged sets from Debian 12 packages (a few minutes):
#   lo-help/corpus      LibreOffice 7.4 help, zh-CN, the how-to pages (libreoffice-help-zh-cn)
#   manpages-zh/corpus  Chinese man pages as man shows them (manpages-zh)
# The questions were written against these exact versions; another version is refused.
# Installs what is missing with apt-get (as root), without recommended packages.
# The corpora are git-ignored. Exit 1 with one line on stderr when something is wrong.
set -euo pipefail
export LC_ALL=C.UTF-8  # man and col write UTF-8 only under a UTF-8 locale
here="$(cd "$(dirname "$0")" && pwd)"
want_help="4:7.4.7-1+deb12u14" want_man="1.6.4.0-1"
need=(libreoffice-help-zh-cn manpages-zh man-db groff-base bsdextrautils)
if ! dpkg -s "${need[@]}" >/dev/null 2>&1; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "libreoffice-help-zh-cn=$want_help" "manpages-zh=$want_man" man-db groff-base bsdextrautils; } >/dev/null \
    || { echo "make.sh: could not install ${need[*]} (needs root and Debian 12's archive)" >&2; exit 1; }
fi
for pair in "libreoffice-help-zh-cn=$want_help" "manpages-zh=$want_man"; do
  got=$(dpkg-query -W -f '${Version}' "${pair%%=*}")
  [ "$got" = "${pair#*=}" ] || { echo "make.sh: ${pair%%=*} is $got, the questions need ${pair#*=}" >&2; exit 1; }
done

rm -rf "$here/lo-help/corpus" "$here/manpages-zh/corpus"
help=/usr/share/libreoffice/help/zh-CN/text
for dir in "$help"/*/guide; do
  module=$(basename "$(dirname "$dir")")
  mkdir -p "$here/lo-help/corpus/$module/guide"
  cp "$dir"/*.html "$here/lo-help/corpus/$module/guide/"
done

# Each page as man shows it (80 columns), overstrike removed, runs of blank lines as one.
# One page's troff loops on blank lines, so a page gets 60 s; a page that fails is reported.
out="$here/manpages-zh/corpus"
mkdir -p "$out"
render() {
  local page=$1 name
  name="$(basename "$(dirname "$page")")-$(basename "$page" .gz).txt"
  set -o pipefail
  timeout 60 man -l -Tutf8 "$page" 2>/dev/null | col -bx | cat -s > "$out/$name" || [ -s "$out/$name" ] \
    || { echo "make.sh: could not render $page" >&2; return 1; }
}
export -f render
export out
ls /usr/share/man/zh_CN/man*/*.gz | xargs -P2 -I{} bash -c 'render "$1"' _ {}
empty=$(find "$out" -empty | wc -l)
[ "$empty" -eq 0 ] || { echo "make.sh: $empty man pages rendered empty" >&2; exit 1; }
echo "lo-help: $(find "$here/lo-help/corpus" -name '*.html' | wc -l) pages; manpages-zh: $(ls "$out" | wc -l) pages"
