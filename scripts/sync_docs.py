#!/usr/bin/env python3
"""Make each command page's synopsis block and '## Options' block what
`sweepkit CMD --help` prints (tests/cli/docs_test.sh checks them).

usage: scripts/sync_docs.py BUILD_DIR CMD...   (e.g. build saturation plot)
"""
import re
import subprocess
import sys


def main():
    build, cmds = sys.argv[1], sys.argv[2:]
    for cmd in cmds:
        out = subprocess.run([f"{build}/sweepkit", cmd, "--help"],
                             capture_output=True, text=True,
                             check=True).stdout
        lines = out.split("\n")
        usage = []
        for l in lines:
            if not l:
                break
            usage.append(re.sub(r"^usage: ", "", l))
        opts = out.split("options:\n", 1)[1].split("\n\n", 1)[0].rstrip("\n")
        path = f"docs/{cmd}.md"
        doc = open(path).read()
        # The first fenced block is the synopsis; the one under ## Options
        # the option lines.
        doc = re.sub(r"\A(.*?```\n)(.*?)(```)",
                     lambda m: m.group(1) + "\n".join(usage) + "\n" +
                     m.group(3), doc, count=1, flags=re.S)
        doc = re.sub(r"(## Options\n\n```\n)(.*?)(```)",
                     lambda m: m.group(1) + opts + "\n" + m.group(3), doc,
                     count=1, flags=re.S)
        open(path, "w").write(doc)


if __name__ == "__main__":
    main()
