#!/usr/bin/env bash
# Creates (or refreshes) models/.venv from models/requirements.txt.
# Offline machines: the first local (file://) index named by `pip config list` is used as the
# primary index, so pip never waits on an unreachable public index.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
requirements="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  exit 0
fi

if [[ -z "${PIP_INDEX_URL:-}" ]]; then
  local_index="$("$python" -m pip config list 2>/dev/null | grep -o "file://[^ ']*" | head -n1 || true)"
  if [[ -n "$local_index" ]]; then
    export PIP_INDEX_URL="$local_index"
  fi
fi

rm -rf "$venv"
"$python" -m venv "$venv"
log="$(mktemp)"
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >"$log" 2>&1; then
  grep -v "is ignored: it is neither a file nor a directory" "$log" >&2
  rm -f "$log"
  echo "setup-venv: pip install failed" >&2
  exit 1
fi
rm -f "$log"
"$venv/bin/python" -c "import torch, transformers, safetensors, tokenizers, pytest"
echo "$wanted" > "$stamp"
echo "python venv ready: $venv (torch $("$venv/bin/python" -c 'import torch; print(torch.__version__)'))"
