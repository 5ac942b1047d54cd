#!/usr/bin/env bash
# Build the corpora of the two extra judged sets from Debian packages (about a minute):
#   lo-help/corpus      LibreOffice 7.4 help, zh-CN, the how-to pages (libreoffice-help-zh-cn)
#   manpages-zh/corpus  Chinese man pages rendered to text (manpages-zh)
# Needs apt-get (as root) or the packages already installed; the corpora are git-ignored.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! dpkg -s libreoffice-help-zh-cn manpages-zh >/dev/null 2>&1; then
  apt-get install -y -qq libreoffice-help-zh-cn manpages-zh man-db groff-base bsdextrautils >/dev/null
fi
rm -rf "$here/lo-help/corpus" "$here/manpages-zh/corpus"
help=/usr/share/libreoffice/help/zh-CN/text
for dir in "$help"/*/guide; do
  module=$(basename "$(dirname "$dir")")
  mkdir -p "$here/lo-help/corpus/$module/guide"
  cp "$dir"/*.html "$here/lo-help/corpus/$module/guide/"
done
mkdir -p "$here/manpages-zh/corpus"
export out="$here/manpages-zh/corpus"
# each page as man shows it (80 columns), overstrike removed, runs of blank lines as one
# (one page's troff loops on blank lines: 60 s at most a page)
ls /usr/share/man/zh_CN/man*/*.gz | xargs -P2 -I{} sh -c \
  'f={}; sec=$(basename $(dirname $f)); timeout 60 man -l -Tutf8 "$f" 2>/dev/null | col -bx | cat -s > "$out/$sec-$(basename $f .gz).txt"'
echo "lo-help: $(find "$here/lo-help/corpus" -name '*.html' | wc -l) pages; manpages-zh: $(ls "$out" | wc -l) pages"
