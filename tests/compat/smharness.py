"""Harness for the compat suite: the server process, clients, raw signed
requests, and the AWS error texts the tests compare against.

Everything AWS-specific that a test asserts verbatim lives here as a named
constant or builder, with the tag the API reference gives it
(/work/shared/reference/aws-secretsmanager-api.md): [AWS] texts are compared
exactly; [inferred] behaviour is asserted by error code only.
"""

from __future__ import annotations

import base64
import configparser
import datetime as dt
import http.client
import json
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import boto3
import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

JSON_CT = "application/x-amz-json-1.1"
DEFAULT_REGION = "us-east-1"

# --------------------------------------------------------------------------
# AWS messages ([AWS] in the reference unless noted)
# --------------------------------------------------------------------------

MSG_NOT_FOUND = "Secrets Manager can't find the specified secret."
MSG_MARKED_FOR_DELETION = (
    "You can't perform this operation on the secret because it was marked for deletion."
)
MSG_NAME_SCHEDULED = (
    "You can't create this secret because a secret with this name is already "
    "scheduled for deletion."
)
MSG_STAGE_NOT_ON_VERSION = (
    "You provided a VersionStage that is not associated to the provided VersionId."
)
MSG_NO_LAMBDA = "No Lambda rotation function ARN is associated with this secret."
MSG_NO_TOKEN = "You must provide a ClientRequestToken value. We recommend a UUID-type value."
MSG_INVALID_NAME = (
    "Invalid name. Must be a valid name containing alphanumeric characters, or any "
    "of the following: -/_+=.@!"
)
MSG_RECOVERY_WINDOW = (
    "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."
)
MSG_LAMBDA_NOT_INVOKABLE = (
    "Secrets Manager cannot invoke the specified Lambda function. Ensure that the "
    "function policy grants access to the principal secretsmanager.amazonaws.com."
)
MSG_BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service "
    "documentation for details."
)
MSG_UNKNOWN_ACCESS_KEY = "The security token included in the request is invalid."
MSG_MISSING_AUTH = "Missing Authentication Token"


def msg_exists(name: str) -> str:
    return f"The operation failed because the secret {name} already exists."


def msg_token_in_use(token: str, arn: str) -> str:
    return (
        f"You can't use ClientRequestToken {token} because that value is already in "
        f"use for a version of secret {arn}."
    )


def msg_no_stage(stage: str) -> str:
    return f"Secrets Manager can't find the specified secret value for staging label: {stage}"


def msg_no_version(version_id: str) -> str:
    return f"Secrets Manager can't find the specified secret value for VersionId: {version_id}"


def msg_remove_from_required(current_version: str) -> str:
    return (
        "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is "
        f"currently attached to version {current_version}, so you must explicitly "
        "reference that version in RemoveFromVersionId."
    )


# Coral (the AWS JSON front door) validation messages.
_NO_VALUE = object()


def violation(path: str, constraint: str, value: Any = _NO_VALUE) -> str:
    """One Coral constraint violation. `value` omitted = sensitive member."""
    if value is _NO_VALUE:
        return f"Value at '{path}' failed to satisfy constraint: Member must {constraint}"
    if value is None:
        return f"Value null at '{path}' failed to satisfy constraint: Member must {constraint}"
    return f"Value '{value}' at '{path}' failed to satisfy constraint: Member must {constraint}"


def validation_message(*violations: str) -> str:
    n = len(violations)
    noun = "error" if n == 1 else "errors"
    return f"{n} validation {noun} detected: " + "; ".join(violations)


def max_len(n: int) -> str:
    return f"have length less than or equal to {n}"


def min_len(n: int) -> str:
    return f"have length greater than or equal to {n}"


def max_value(n: int) -> str:
    return f"have value less than or equal to {n}"


def min_value(n: int) -> str:
    return f"have value greater than or equal to {n}"


NOT_NULL = "not be null"

ENUM_PREFIX = "Member must satisfy enum value set: ["


def parse_enum_set(message: str) -> set:
    """The value set of a Coral enum violation (AWS does not keep model order)."""
    start = message.index(ENUM_PREFIX) + len(ENUM_PREFIX)
    end = message.index("]", start)
    return {v.strip() for v in message[start:end].split(",")}


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------

RUN_ID = uuid.uuid4().hex[:8]
_UNSAFE = re.compile(r"[^A-Za-z0-9_+=.@-]")


def unique_name(hint: str = "s") -> str:
    """A fresh secret name. Never ends in `-XXXXXX` (that would look like an
    ARN suffix, reference 3.3)."""
    hint = _UNSAFE.sub("_", hint)[:48] or "s"
    return f"compat-{RUN_ID}/{hint}/{uuid.uuid4().hex[:12]}"


def token() -> str:
    return str(uuid.uuid4())


ARN_RE = r"arn:aws:secretsmanager:{region}:(\d{{12}}):secret:{name}-[A-Za-z0-9]{{6}}"


def arn_pattern(name: str, region: str = DEFAULT_REGION) -> re.Pattern:
    return re.compile("^" + ARN_RE.format(region=re.escape(region), name=re.escape(name)) + "$")


def account_of(arn: str) -> str:
    return arn.split(":")[4]


def in_region(arn: str, region: str) -> str:
    parts = arn.split(":")
    parts[3] = region
    return ":".join(parts)


# --------------------------------------------------------------------------
# Server process
# --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerStartError(RuntimeError):
    pass


@dataclass
class ServerProcess:
    """One `tresor server` process. Its output goes to `log_path`."""

    args: list
    port: int
    log_path: Path
    cwd: Path
    proc: Optional[subprocess.Popen] = None
    _log: Any = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "ServerProcess":
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.args,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerStartError(
                    f"server exited with {self.proc.returncode} before becoming healthy\n"
                    f"command: {' '.join(map(str, self.args))}\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.endpoint + "/health", timeout=2) as r:
                    if r.status == 200:
                        return self
                    last_error = f"HTTP {r.status}"
            except urllib.error.HTTPError as e:
                last_error = f"HTTP {e.code}"
            except OSError as e:
                last_error = str(e)
            time.sleep(0.1)
        self.kill()
        raise ServerStartError(
            f"GET {self.endpoint}/health did not answer 200 within {timeout}s "
            f"(last: {last_error})\ncommand: {' '.join(map(str, self.args))}\n{self.log_tail()}"
        )

    def stop(self, timeout: float = 15.0) -> Optional[int]:
        """SIGTERM, then wait. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(
                    f"server did not exit within {timeout}s of SIGTERM\n{self.log_tail()}"
                )
        self._close_log()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL (`kill -9`), then reap."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, n: int = 60) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        return "--- server log (tail) ---\n" + "\n".join(lines[-n:])


def dev_server(binary: str, workdir: Path, akid: str, secret: str) -> ServerProcess:
    port = free_port()
    args = [
        binary, "server", "--dev",
        "--listen", f"127.0.0.1:{port}",
        "--dev-access-key-id", akid,
        "--dev-secret-access-key", secret,
    ]
    return ServerProcess(args, port, workdir / "dev-server.log", workdir)


def persistent_server(binary: str, data_dir: Path, workdir: Path) -> ServerProcess:
    port = free_port()
    args = [binary, "server", "--data-dir", str(data_dir), "--listen", f"127.0.0.1:{port}"]
    return ServerProcess(args, port, workdir / "persistent-server.log", workdir)


def read_admin_credentials(data_dir: Path, timeout: float = 10.0) -> tuple:
    """(access key id, secret access key) from `<data-dir>/admin-credentials`."""
    path = data_dir / "admin-credentials"
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    cp = configparser.ConfigParser()
    with open(path) as f:
        cp.read_file(f)
    return cp["default"]["aws_access_key_id"], cp["default"]["aws_secret_access_key"]


# --------------------------------------------------------------------------
# boto3 clients
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    url: str
    access_key_id: str
    secret_access_key: str


def make_client(ep: Endpoint, region: str = DEFAULT_REGION, *, validate: bool = True,
                read_timeout: float = 30.0):
    """A secretsmanager client with retries off, so every error is the first
    answer (botocore retries LimitExceededException and 5xx by default)."""
    session = boto3.session.Session()
    return session.client(
        "secretsmanager",
        endpoint_url=ep.url,
        region_name=region,
        aws_access_key_id=ep.access_key_id,
        aws_secret_access_key=ep.secret_access_key,
        config=Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            parameter_validation=validate,
            connect_timeout=5,
            read_timeout=read_timeout,
            tcp_keepalive=False,
        ),
    )


# --------------------------------------------------------------------------
# Assertions on boto3 results
# --------------------------------------------------------------------------


def members(resp: dict) -> set:
    return set(resp) - {"ResponseMetadata"}


def assert_request_id(resp: dict) -> None:
    headers = resp["ResponseMetadata"].get("HTTPHeaders", {})
    assert headers.get("x-amzn-requestid"), f"no x-amzn-RequestId header: {headers}"


def expect_error(call: Callable[[], Any], code: str, message: Optional[str] = None, *,
                 prefix: Optional[str] = None, status: int = 400,
                 codes: Optional[Iterable[str]] = None) -> dict:
    """Runs `call`, which must fail with `code` (or one of `codes`), HTTP
    `status`, an x-amzn-RequestId, and `message` verbatim when given."""
    with pytest.raises(ClientError) as info:
        call()
    resp = info.value.response
    err = resp.get("Error", {})
    if codes is not None:
        assert err.get("Code") in set(codes), resp
    else:
        assert err.get("Code") == code, resp
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == status, resp
    assert_request_id(resp)
    if message is not None:
        assert err.get("Message") == message, resp
    if prefix is not None:
        assert (err.get("Message") or "").startswith(prefix), resp
    return resp


def list_versions(sm, secret_id: str, include_deprecated: bool = False,
                  page_size: Optional[int] = None) -> list:
    kwargs = {"SecretId": secret_id, "IncludeDeprecated": include_deprecated}
    if page_size:
        kwargs["MaxResults"] = page_size
    out = []
    while True:
        resp = sm.list_secret_version_ids(**kwargs)
        out.extend(resp["Versions"])
        if not resp.get("NextToken"):
            return out
        kwargs["NextToken"] = resp["NextToken"]


def list_all_secrets(sm, **kwargs) -> list:
    out = []
    while True:
        resp = sm.list_secrets(**kwargs)
        out.extend(resp["SecretList"])
        if not resp.get("NextToken"):
            return out
        kwargs["NextToken"] = resp["NextToken"]


def assert_labels(sm, secret_id: str, expected: dict) -> None:
    """`expected` maps every version of the secret to its labels; `[]` means
    deprecated. Checked through DescribeSecret, ListSecretVersionIds (with and
    without IncludeDeprecated) and GetSecretValue (default = AWSCURRENT)."""
    labelled = {v: sorted(l) for v, l in expected.items() if l}
    described = sm.describe_secret(SecretId=secret_id)
    got = {v: sorted(l) for v, l in described.get("VersionIdsToStages", {}).items()}
    assert got == labelled, f"DescribeSecret VersionIdsToStages: {got} != {labelled}"

    listed = list_versions(sm, secret_id)
    got = {v["VersionId"]: sorted(v.get("VersionStages", [])) for v in listed}
    assert got == labelled, f"ListSecretVersionIds: {got} != {labelled}"

    everything = list_versions(sm, secret_id, include_deprecated=True)
    assert {v["VersionId"] for v in everything} == set(expected)
    for v in everything:
        want = sorted(expected[v["VersionId"]])
        if want:
            assert sorted(v["VersionStages"]) == want, v
        else:
            assert "VersionStages" not in v, f"deprecated version listed with stages: {v}"

    current = [v for v, l in expected.items() if "AWSCURRENT" in l]
    if current:
        value = sm.get_secret_value(SecretId=secret_id)
        assert value["VersionId"] == current[0]
        assert sorted(value["VersionStages"]) == labelled[current[0]]


def state_of(sm, secret_id: str) -> dict:
    """Everything observable about a secret except access dates; compare
    before and after a rejected request to prove nothing changed."""
    described = sm.describe_secret(SecretId=secret_id)
    described.pop("ResponseMetadata", None)
    described.pop("LastAccessedDate", None)
    versions = list_versions(sm, secret_id, include_deprecated=True)
    try:
        policy = sm.get_resource_policy(SecretId=secret_id).get("ResourcePolicy")
    except ClientError as e:  # e.g. scheduled for deletion
        policy = ("error", e.response["Error"]["Code"])
    return {
        "describe": described,
        "versions": {v["VersionId"]: sorted(v.get("VersionStages", [])) for v in versions},
        "policy": policy,
    }


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def poll(fn: Callable[[], Any], until: Callable[[Any], bool], timeout: float = 15.0,
         interval: float = 0.1):
    """Calls `fn` until `until(result)`; returns the last result (the caller
    asserts on it). For eventually-consistent paths such as replication."""
    deadline = time.monotonic() + timeout
    result = fn()
    while not until(result) and time.monotonic() < deadline:
        time.sleep(interval)
        result = fn()
    return result


# --------------------------------------------------------------------------
# Raw HTTP requests, signed with botocore's SigV4 signer
# --------------------------------------------------------------------------


class _Signer(SigV4Auth):
    """botocore's SigV4 signer with two test knobs: a fixed signing time and
    headers left out of SignedHeaders."""

    def __init__(self, credentials, service, region, when=None, unsigned=()):
        super().__init__(credentials, service, region)
        self._when = when
        self._unsigned = {h.lower() for h in unsigned}

    def headers_to_sign(self, request):
        headers = super().headers_to_sign(request)
        for name in self._unsigned:
            if name in headers:
                del headers[name]
        return headers

    def add_auth(self, request):
        if self._when is None:
            return super().add_auth(request)
        when = self._when.astimezone(dt.timezone.utc).replace(tzinfo=None)
        original = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = lambda *a, **k: when
        try:
            return super().add_auth(request)
        finally:
            botocore.auth.get_current_datetime = original


@dataclass
class RawResponse:
    status: int
    headers: dict  # lower-case name -> value
    body: bytes

    @property
    def json(self) -> Any:
        if not self.body.strip():
            return {}
        return json.loads(self.body)

    @property
    def code(self) -> Optional[str]:
        try:
            t = self.json.get("__type")
        except (ValueError, AttributeError):
            return None
        if not t:
            return None
        return t.rsplit("#", 1)[-1].split(":", 1)[0]

    @property
    def message(self) -> Optional[str]:
        try:
            body = self.json
        except ValueError:
            return None
        return body.get("Message", body.get("message"))

    @property
    def request_id(self) -> Optional[str]:
        return self.headers.get("x-amzn-requestid")

    def __repr__(self) -> str:
        return f"RawResponse({self.status}, {self.headers}, {self.body[:2000]!r})"


class RawClient:
    """Builds, signs and sends awsJson1.1 requests byte for byte."""

    def __init__(self, ep: Endpoint):
        self.ep = ep
        host = ep.url.split("://", 1)[1].rstrip("/")
        self.host = host
        self.hostname, _, port = host.partition(":")
        self.port = int(port or 80)

    def build(self, target: str, body: Any = None, *, headers: Optional[dict] = None) -> AWSRequest:
        if "." not in target:
            target = f"secretsmanager.{target}"
        if body is None:
            body = {}
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body
        h = {"Content-Type": JSON_CT, "X-Amz-Target": target}
        h.update(headers or {})
        return AWSRequest(method="POST", url=self.ep.url + "/", data=data, headers=h)

    def sign(self, req: AWSRequest, *, region: str = DEFAULT_REGION,
             access_key_id: Optional[str] = None, secret_access_key: Optional[str] = None,
             session_token: Optional[str] = None, service: str = "secretsmanager",
             when: Optional[dt.datetime] = None, unsigned: Iterable[str] = ()) -> AWSRequest:
        creds = Credentials(
            access_key_id or self.ep.access_key_id,
            secret_access_key or self.ep.secret_access_key,
            session_token,
        )
        _Signer(creds, service, region, when=when, unsigned=unsigned).add_auth(req)
        return req

    def send(self, req: AWSRequest, *, omit_headers: Iterable[str] = ()) -> RawResponse:
        omit = {h.lower() for h in omit_headers}
        body = req.body or b""
        if isinstance(body, str):
            body = body.encode()
        conn = http.client.HTTPConnection(self.hostname, self.port, timeout=30)
        try:
            conn.putrequest("POST", "/", skip_host=True, skip_accept_encoding=True)
            if "host" not in omit:
                conn.putheader("Host", self.host)
            for name, value in req.headers.items():
                if name.lower() not in omit:
                    conn.putheader(name, value)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            headers = {k.lower(): v for k, v in resp.getheaders()}
            return RawResponse(resp.status, headers, data)
        finally:
            conn.close()

    def call(self, target: str, body: Any = None, *, region: str = DEFAULT_REGION,
             headers: Optional[dict] = None, **sign_kwargs) -> RawResponse:
        req = self.build(target, body, headers=headers)
        self.sign(req, region=region, **sign_kwargs)
        return self.send(req)


def assert_raw_error(resp: RawResponse, code: str, message: Optional[str] = None, *,
                     prefix: Optional[str] = None, status: int = 400,
                     codes: Optional[Iterable[str]] = None) -> None:
    assert resp.status == status, resp
    if codes is not None:
        assert resp.code in set(codes), resp
    else:
        assert resp.code == code, resp
    assert resp.request_id, f"no x-amzn-RequestId: {resp}"
    if message is not None:
        assert resp.message == message, resp
    if prefix is not None:
        assert (resp.message or "").startswith(prefix), resp


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
