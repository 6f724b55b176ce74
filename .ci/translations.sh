#!/usr/bin/env bash
# Grocer's catalogues (locale/<lang>/LC_MESSAGES/django.po and djangojs.po). Needs GNU gettext.
#
#   .ci/translations.sh update   refresh the .po files from the marked strings, then compile
#                                (what `make messages` runs; translate the new entries after)
#   .ci/translations.sh check    CI: fail on a marked string missing, empty or fuzzy in any
#                                catalogue, on a catalogue that does not compile cleanly, and
#                                on a committed .mo that does not match its .po
#
# The .mo files are committed, so `make run` and `make test` work on a fresh clone without
# gettext; this check is what keeps them complete and current.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
LANGS=(es pt_BR)
DOMAINS=(django djangojs)
# Tooling, not the app; the service worker cannot load the JavaScript catalog.
IGNORE=(-i bench -i deploy -i docs -i staticfiles -i media -i "*/tests/*" -i static/js/sw.js)

extract() {
  local lang_args=()
  for lang in "${LANGS[@]}"; do lang_args+=(-l "$lang"); done
  for domain in "${DOMAINS[@]}"; do
    "$PYTHON" manage.py makemessages "${lang_args[@]}" -d "$domain" --no-obsolete --keep-pot \
      "${IGNORE[@]}" "$@"
  done
}

case "${1:-}" in
  update)
    extract
    rm -f locale/*.pot
    "$PYTHON" manage.py compilemessages --ignore .venv
    ;;
  check)
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    python=$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")
    # makemessages rewrites the catalogues in place: extract in a copy of the sources.
    tar -c --exclude=./.venv --exclude=./.git --exclude=./staticfiles --exclude=./media \
      --exclude=./bench . | tar -x -C "$scratch/"
    (cd "$scratch" && PYTHON=$python extract --verbosity 0)
    failed=0
    for lang in "${LANGS[@]}"; do
      for domain in "${DOMAINS[@]}"; do
        po=locale/$lang/LC_MESSAGES/$domain.po
        mo=locale/$lang/LC_MESSAGES/$domain.mo
        # Syntax, header and that each translation keeps its %(name)s placeholders.
        if ! msgfmt --check --output-file="$scratch/$lang-$domain.mo" "$po"; then
          failed=1
          continue
        fi
        # Every msgid of the fresh template translated here (empty and fuzzy entries
        # count as missing).
        if ! msgcmp "$po" "$scratch/locale/$domain.pot"; then
          echo "$po: the strings above are marked but not translated (make messages)." >&2
          failed=1
        fi
        if grep -q '^#, .*fuzzy' "$po"; then
          echo "$po: fuzzy entries left." >&2
          failed=1
        fi
        if ! "$python" - "$mo" "$scratch/$lang-$domain.mo" <<'PY'
import gettext, sys
committed, fresh = (gettext.GNUTranslations(open(p, "rb"))._catalog for p in sys.argv[1:])
sys.exit(0 if committed == fresh else 1)
PY
        then
          echo "$mo does not match $po: run compilemessages (make messages) and commit." >&2
          failed=1
        fi
      done
    done
    exit "$failed"
    ;;
  *)
    echo "usage: $0 update|check" >&2
    exit 2
    ;;
esac
