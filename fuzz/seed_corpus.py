#!/usr/bin/env python3
"""Refreshes the seed corpora from the golden where cases (tests/golden/where/*.json) and the
hand-written HTTP request and record body seeds below.

Every `where` input becomes a file of fuzz/corpus/where/, every `query` input (and every `searchParams`
input, encoded as a searchParams= parameter) a file of fuzz/corpus/search_params/; HTTP_SEEDS go to
fuzz/corpus/http_request/ and RECORD_SEEDS to fuzz/corpus/record_body/. Files are named by
the SHA-1 of their content, as libFuzzer names its own finds, so running this again adds no duplicates
and keeps the hand-written seeds and the crash reproductions already there.
Usage: fuzz/seed_corpus.py (from anywhere).
"""
import hashlib
import json
import pathlib
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Bytes as a client sends them on one connection: plain, pipelined, chunked, 100-continue, and each
# framing the server refuses (smuggling attempts, a missing or doubled Host, long targets, many
# headers).
HTTP_SEEDS = [
    b"GET /api/v1/Contact HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /api/v1/Contact?maxSize=5&where%5B0%5D%5Btype%5D=isTrue HTTP/1.1\r\nHost: x\r\n"
    b"X-Api-Key: k\r\n\r\n",
    b"POST /api/v1/Contact HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 20\r\n\r\n{\"lastName\":\"Smith\"}",
    b"POST /api/v1/Contact HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhello\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"PUT /a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
    b"GET /old HTTP/1.0\r\n\r\n",
    b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
    b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
    b"GET /a HTTP/1.1\r\n\r\n",
    b"GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    b"GET /" + b"a" * 300 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(20)) + b"\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 3000 + b"\r\n\r\n",
    b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\n\r\n",
    b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffff\r\n",
    b"GARBAGE\r\n\r\n",
]

# Create and update bodies: valid records of several entities, every attribute kind, and the bad
# inputs the server refuses (wrong types, NUL characters, numbers beyond a double, deep nesting).
RECORD_SEEDS = [
    b'{"firstName":"Ada","lastName":"Lovelace","emailAddress":"ada@example.com"}',
    b'{"lastName":"L","emailAddressData":[{"emailAddress":"a@b.c","primary":true,'
    b'"optOut":false,"invalid":false}],"phoneNumberData":[{"phoneNumber":"+1 555 0100",'
    b'"type":"Mobile","primary":true}]}',
    b'{"name":"Acme","type":"Customer","industry":"Finance","billingAddressCity":"Berlin"}',
    b'{"name":"Deal","amount":100.5,"amountCurrency":"EUR","closeDate":"2024-10-10",'
    b'"stage":"Prospecting","probability":10}',
    b'{"name":"Call","dateStart":"2024-01-01 10:00:00","duration":300,"parentType":"Contact",'
    b'"parentId":"0123456789abcdef0"}',
    b'{"name":"Meet","dateStart":"2024-01-01 10:00:00","contactsIds":["0123456789abcdef0"],'
    b'"contactsColumns":{"0123456789abcdef0":{"status":"Accepted"}}}',
    b'{"name":"Task","status":"Completed","dateEndDate":"2024-02-30","_skipDuplicateCheck":true}',
    b'{"lastName":1e999}',
    b'{"lastName":"nul\\u0000"}',
    b'{"lastName":"x","unknownField":1}',
    b'{"lastName":["not","a","string"],"doNotCall":"1"}',
    b'[{"lastName":"in a list"}]',
    b'{"a":' * 40 + b'1' + b'}' * 40,
    b'{"amount":' + b'9' * 400 + b'}',
    b'',
    b'{"lastName":"\\ud800"}',
]


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
    for seed in HTTP_SEEDS:
        write(ROOT / "fuzz" / "corpus" / "http_request", seed)
    for seed in RECORD_SEEDS:
        write(ROOT / "fuzz" / "corpus" / "record_body", seed)


if __name__ == "__main__":
    main()
