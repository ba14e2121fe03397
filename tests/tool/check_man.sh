#!/bin/sh
# check_man.sh TOOL MANPAGE - docs/mqtts.1 renders without a groff warning,
# describes every option `mqtts pub|sub|rpc|cert|doctor|device --help` lists,
# and names no long option that does not exist (an option no --help lists
# must be one the tool refuses as not supported, exit status 6).
set -u
tool=$1
page=$2
fail=0

warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
if [ -n "$warnings" ]; then
    echo "groff warnings for $page:"
    echo "$warnings"
    fail=1
fi

# Plain text, no hyphenation, lines long enough not to break an option.
text=$(groff -man -Tascii -rLL=400n -rHY=0 -P-c -P-b -P-o -P-u "$page" 2>/dev/null)
helps=""
for cmd in pub sub rpc cert doctor device; do
    help=$("$tool" "$cmd" --help) || { echo "mqtts $cmd --help failed"; fail=1; }
    helps="$helps
$help"
    # The option column of each option line: "-o, --output FILE" and
    # "--cert FILE, --key FILE" name two options each.
    for opt in $(printf '%s\n' "$help" | grep -E '^  -' | sed -E 's/^  //; s/  .*//' |
                 grep -oE -- '(^|, )--?[A-Za-z][-a-z0-9]*' | sed 's/^, //'); do
        if ! printf '%s\n' "$text" | grep -qF -- "$opt"; then
            echo "mqtts $cmd $opt is not in $page"
            fail=1
        fi
    done
done

for opt in $(printf '%s\n' "$text" | grep -oE -- '--[a-z][-a-z0-9]*' | sort -u); do
    case $opt in --help|--version|--password) continue ;; esac
    if printf '%s\n' "$helps" | grep -qE -- "(^|[ ,])$opt( |\$)"; then
        continue
    fi
    "$tool" pub "$opt" >/dev/null 2>&1
    if [ $? -ne 6 ]; then
        echo "$page describes $opt, which no command has"
        fail=1
    fi
done
exit $fail
