#!/usr/bin/env python3
"""Writes every ```cpp block of README.md to <output>/snippet_<n>.cpp, so that the test suite
compiles and runs each one as it stands in the README (tests/readme/CMakeLists.txt)."""
import pathlib
import re
import sys

readme, output = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
output.mkdir(parents=True, exist_ok=True)
blocks = re.findall(r"^```cpp\n(.*?)^```", readme.read_text(encoding="utf-8"), flags=re.S | re.M)
for number, block in enumerate(blocks, start=1):
    if "int main" not in block:
        sys.exit(f"README.md: C++ block {number} has no main(): every snippet must be a whole program")
    path = output / f"snippet_{number}.cpp"
    text = f"// README.md, C++ block {number} (extracted by tests/readme/extract_snippets.py)\n{block}"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
print(len(blocks))
