#!/usr/bin/env bash
# Fails when a file under Sources imports full Foundation (or one of its ICU-backed parts) instead
# of FoundationEssentials. On Linux, one reference to an API that lives only in full Foundation
# (String(format:), trimmingCharacters(in:), JSONSerialization, FileHandle, NumberFormatter...)
# links FoundationInternationalization and ICU: about 45 MB of the static binary that the edge
# profile ships (docs/OPERATIONS.md, "Edge profile"). FoundationEssentials, Glibc and the
# helpers in Platform (FileOutput, String(_:decimals:width:), trimmingWhitespace) cover what the
# sources need.
#   scripts/check-foundation-imports.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# `import Foundation`, with any attributes, access level or import kind (`import struct
# Foundation.Date`), and the modules of full Foundation besides it; not FoundationEssentials.
modules='Foundation|FoundationInternationalization|FoundationNetworking|FoundationXML|_FoundationICU'
pattern="^[[:space:]]*(@[A-Za-z_]+[[:space:]]+)*((public|package|internal|fileprivate|private)[[:space:]]+)?import[[:space:]]+((struct|class|enum|protocol|typealias|func|var|let)[[:space:]]+)?($modules)([.[:space:]]|$)"

status=0
while IFS= read -r file; do
    [ -n "$file" ] || continue
    echo "$file imports full Foundation; use FoundationEssentials (or Glibc, or Platform's helpers):"
    grep -nE "$pattern" "$file" | sed 's/^/    /'
    status=1
done < <(grep -rlE --include='*.swift' "$pattern" Sources | sort)

if [ "$status" -eq 0 ]; then
    echo "no file under Sources imports full Foundation"
fi
exit "$status"
