"""The session's canaries: every secret value, key, token and request
signature the suite's clients sent or received, and the scan that looks for
them in the log of every server (and agent) the suite started.

Clients note what they send and receive (`install` on each boto3 client,
`note_request`/`note_response` in RawClient); servers note their log file
(`note_log`). conftest.py runs `scan_logs` when the session ends and fails
the session on any hit. Servers run at `--log-level trace` unless
TRESOR_TEST_LOG_LEVEL says otherwise (smharness.ServerProcess), so this is
the most verbose output the code can produce.

Only values of at least MIN_LEN bytes are canaries: shorter ones ("v1",
"initial-value") occur in logs by chance. One line is excluded by design:
the administrator's secret access key in the credential banner a server
prints once on its first start (BANNER) — and only inside that exact block.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path
from typing import Any, Iterable

MIN_LEN = 16

SENT = ("SecretString", "SecretBinary", "Plaintext")
RECEIVED = ("SecretString", "SecretBinary", "Plaintext", "SecretAccessKey", "SessionToken",
            "RandomPassword")
BASE64_MEMBERS = ("SecretBinary", "Plaintext")  # blobs: base64 text in JSON bodies

# value -> where it was first seen ("sent SecretString", ...)
VALUES: dict = {}
SIGNATURES: set = set()
LOGS: list = []

_SIGNATURE = re.compile(r"Signature=([0-9a-f]{64})")

# The block `tresor server` writes to standard output in one write on its
# first start (server_cmd.rs `serve`); group 1 is the one excluded line.
BANNER = re.compile(
    rb"^(?:DEVELOPMENT MODE \xe2\x80\x94 INSECURE: throwaway data, fixed well-known credentials\."
    rb"|Initialised [^\n]* Administrator credentials, shown once and saved to [^\n]*:)\n"
    rb"\n"
    rb"  export AWS_ENDPOINT_URL=\S+\n"
    rb"  export AWS_ACCESS_KEY_ID=\S+\n"
    rb"(  export AWS_SECRET_ACCESS_KEY=\S+)\n"
    rb"  export AWS_DEFAULT_REGION=\S+\n",
    re.M)


# ---------------------------------------------------------------- noting


def note(value: Any, origin: str) -> None:
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, (bytes, bytearray)) and len(value) >= MIN_LEN:
        VALUES.setdefault(bytes(value), origin)


def note_members(obj: Any, names: Iterable[str], origin: str, *, b64: bool = False) -> None:
    """Notes every member called one of `names`, at any depth. `b64`: the
    blobs are base64 text (a raw JSON body), noted decoded."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key in names and isinstance(value, (str, bytes, bytearray)):
                if b64 and key in BASE64_MEMBERS and isinstance(value, str):
                    try:
                        value = base64.b64decode(value, validate=True)
                    except ValueError:
                        pass
                note(value, f"{origin} {key}")
            else:
                note_members(value, names, origin, b64=b64)
    elif isinstance(obj, list):
        for item in obj:
            note_members(item, names, origin, b64=b64)


def note_signature(authorization: Any) -> None:
    if isinstance(authorization, bytes):
        authorization = authorization.decode("latin-1")
    match = _SIGNATURE.search(authorization or "")
    if match:
        SIGNATURES.add(match.group(1).encode())


def note_log(path: Path) -> None:
    if path not in LOGS:
        LOGS.append(path)


def install(client) -> None:
    """Notes what a boto3 client sends and receives."""
    def sent(params=None, **_):
        note_members(params or {}, SENT, "sent")

    def signed(request=None, **_):
        if request is not None:
            note_signature(request.headers.get("Authorization"))
            note(request.headers.get("X-Amz-Security-Token"), "sent session token")
        return None  # anything else would replace the response

    def received(parsed=None, **_):
        note_members(parsed or {}, RECEIVED, "received")

    client.meta.events.register("before-parameter-build", sent)
    client.meta.events.register("before-send", signed)
    client.meta.events.register("after-call", received)


def note_request(headers: dict, body: bytes) -> None:
    """A raw request (RawClient): its signature and the values in its body."""
    note_signature(next((v for k, v in headers.items() if k.lower() == "authorization"), None))
    note_members(_json(body), SENT, "sent raw", b64=True)


def note_response(body: bytes) -> None:
    note_members(_json(body), RECEIVED, "received raw", b64=True)


def _json(body: Any) -> Any:
    try:
        return json.loads(body)
    except (ValueError, TypeError):
        return None


# ---------------------------------------------------------------- scanning


def needles() -> dict:
    """Every form looked for -> what it is. Strings raw and JSON-escaped (as
    a Debug or JSON log field would show them); blobs also base64."""
    out = {}
    for value, origin in VALUES.items():
        out.setdefault(value, origin)
        try:
            escaped = json.dumps(value.decode("utf-8"))[1:-1].encode()
            if escaped != value:
                out.setdefault(escaped, origin + " (escaped)")
        except UnicodeDecodeError:
            pass
        if any(origin.endswith(m) for m in BASE64_MEMBERS):
            out.setdefault(base64.b64encode(value), origin + " (base64)")
    for signature in SIGNATURES:
        out.setdefault(signature, "request signature")
    return out


class _Index:
    """Finds any of many needles (each >= 16 bytes) in large logs quickly:
    every occurrence of a needle that long covers an 8-byte word at an
    offset divisible by 8, so only those words of a log are looked up."""

    def __init__(self, forms: dict):
        self.forms = forms
        # word -> [(needle, the word's first offset in it)]: every
        # occurrence of the word in a log is tried, so the first offset
        # finds the needle wherever it starts.
        self.words: dict = {}
        for needle in forms:
            firsts: dict = {}
            for offset in range(len(needle) - 7):
                firsts.setdefault(int.from_bytes(needle[offset:offset + 8], sys.byteorder), offset)
            for word, offset in firsts.items():
                self.words.setdefault(word, []).append((needle, offset))

    def find(self, data: bytes) -> set:
        usable = len(data) - len(data) % 8
        view = memoryview(data)[:usable].cast("Q")
        step = 1 << 20
        seen = set()
        for start in range(0, len(view), step):
            seen |= self.words.keys() & view[start:start + step].tolist()
        found = set()
        for word in seen:
            gram = word.to_bytes(8, sys.byteorder)
            at = data.find(gram)
            while at != -1:
                for needle, offset in self.words[word]:
                    if needle not in found and at >= offset \
                            and data[at - offset:at - offset + len(needle)] == needle:
                        found.add(needle)
                at = data.find(gram, at + 1)
        return found


def scan_logs(shown: int = 20) -> tuple:
    """(report lines, summary line). The report names each hit's log, what
    it is and the line it is in, the first `shown` of them in full."""
    forms = needles()
    index = _Index(forms)
    hits, banners, size = [], 0, 0
    for path in LOGS:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        size += len(data)
        data, n = BANNER.subn(lambda m: m.group(0).replace(m.group(1), b"<banner>"), data)
        banners += n
        for needle in sorted(index.find(data)):
            line = next(l for l in data.splitlines() if needle in l)
            hits.append(f"{path}: {forms[needle]} ({len(needle)} bytes) in: "
                        f"{line[:300].decode('utf-8', 'replace')}")
    hits.sort(key=lambda hit: ": request signature (" in hit)  # values first
    kinds: dict = {}
    for hit in hits:
        kind = hit.split(": ", 1)[1].split(" (")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    summary = (f"canary scan: {len(LOGS)} server logs ({size / 1e6:.1f} MB), "
               f"{len(VALUES)} values and {len(SIGNATURES)} signatures "
               f"({len(forms)} forms) scanned, {banners} credential banners excluded, "
               f"{len(hits)} leaks" + "".join(f"; {n} {k}" for k, n in sorted(kinds.items())))
    report = hits[:shown] + ([f"... and {len(hits) - shown} more"] if len(hits) > shown else [])
    return report, summary
