#!/usr/bin/env python3
"""Refreshes the seed corpora from the golden where cases (tests/golden/where/*.json).

Every `where` input becomes a file of fuzz/corpus/where/, every `query` input (and every `searchParams`
input, encoded as a searchParams= parameter) a file of fuzz/corpus/search_params/. Files are named by
the SHA-1 of their content, as libFuzzer names its own finds, so running this again adds no duplicates
and keeps the hand-written seeds and the crash reproductions already there.
Usage: fuzz/seed_corpus.py (from anywhere).
"""
import hashlib
import json
import pathlib
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent


def write(directory: pathlib.Path, data: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main() -> None:
    where_dir = ROOT / "fuzz" / "corpus" / "where"
    params_dir = ROOT / "fuzz" / "corpus" / "search_params"
    for path in sorted((ROOT / "tests" / "golden" / "where").glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            if "where" in case:
                write(where_dir, json.dumps(case["where"], ensure_ascii=False).encode())
            if "query" in case:
                write(params_dir, case["query"].encode())
            if "searchParams" in case:
                text = json.dumps(case["searchParams"], ensure_ascii=False)
                write(params_dir, ("searchParams=" + urllib.parse.quote(text)).encode())


if __name__ == "__main__":
    main()
