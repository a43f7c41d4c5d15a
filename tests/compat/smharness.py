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
import os
import re
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import boto3
import botocore
import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

import canaries

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


# Every server the suite starts logs at this level unless its test chose
# one, so the session's canary scan (canaries.py) reads the most verbose
# output the code can produce.
TEST_LOG_LEVEL = os.environ.get("TRESOR_TEST_LOG_LEVEL", "trace")


def log_level_args(args: list) -> list:
    """`--log-level TEST_LOG_LEVEL` unless `args` (a command line) has one."""
    return [] if "--log-level" in args else ["--log-level", TEST_LOG_LEVEL]


@dataclass
class ServerProcess:
    """One `tresor server` process. Its output goes to `log_path`."""

    args: list
    port: int
    log_path: Path
    cwd: Path
    env: Optional[dict] = None  # None: inherit this process's environment
    tls_ca: Optional[Path] = None  # set when the server speaks HTTPS: the CA to trust
    suite_log_level: bool = True  # add --log-level TEST_LOG_LEVEL unless args have one
    proc: Optional[subprocess.Popen] = None
    _log: Any = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        if self.tls_ca:
            return f"https://localhost:{self.port}"
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "ServerProcess":
        if self.suite_log_level:
            self.args = [*self.args, *log_level_args(self.args)]
        canaries.note_log(self.log_path)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.args,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        context = ssl.create_default_context(cafile=str(self.tls_ca)) if self.tls_ca else None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerStartError(
                    f"server exited with {self.proc.returncode} before becoming healthy\n"
                    f"command: {' '.join(map(str, self.args))}\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.endpoint + "/health", timeout=2,
                                            context=context) as r:
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


def dev_server(binary: str, workdir: Path, akid: str, secret: str, *,
               extra_args: Iterable[str] = (), log_name: str = "dev-server.log",
               tls: Optional[tuple] = None) -> ServerProcess:
    """A dev-mode server; `tls` = (certificate, key) PEM paths makes it
    speak HTTPS (the certificate is then also the CA its clients trust)."""
    port = free_port()
    args = [
        binary, "server", "--dev",
        "--listen", f"127.0.0.1:{port}",
        # `=`: a random key may begin with "-", which would read as a flag.
        f"--dev-access-key-id={akid}",
        f"--dev-secret-access-key={secret}",
        *extra_args,
    ]
    if tls:
        args += ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])]
    return ServerProcess(args, port, workdir / log_name, workdir,
                         tls_ca=Path(tls[0]) if tls else None)


def self_signed_certificate(directory: Path) -> tuple:
    """(certificate, key) PEM files for localhost / 127.0.0.1, made with
    openssl (skips the test where openssl is missing)."""
    if subprocess.run(["which", "openssl"], capture_output=True).returncode != 0:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def persistent_server(binary: str, data_dir: Path, workdir: Path, *,
                      extra_args: Iterable[str] = (), env: Optional[dict] = None,
                      log_name: str = "persistent-server.log",
                      port: Optional[int] = None) -> ServerProcess:
    port = port or free_port()
    args = [binary, "server", "--data-dir", str(data_dir), "--listen", f"127.0.0.1:{port}",
            *extra_args]
    return ServerProcess(args, port, workdir / log_name, workdir, env=env)


def read_admin_credentials(data_dir: Path, timeout: float = 10.0) -> tuple:
    """(access key id, secret access key) from `<data-dir>/admin-credentials`."""
    path = data_dir / "admin-credentials"
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    cp = configparser.ConfigParser()
    with open(path) as f:
        cp.read_file(f)
    canaries.note(cp["default"]["aws_secret_access_key"], "admin secret access key")
    return cp["default"]["aws_access_key_id"], cp["default"]["aws_secret_access_key"]


# --------------------------------------------------------------------------
# boto3 clients
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    url: str
    access_key_id: str
    secret_access_key: str
    session_token: Optional[str] = None  # temporary (ASIA...) credentials only
    ca_bundle: Optional[str] = None  # HTTPS with a test certificate: the CA to trust

    def with_credentials(self, access_key_id: str, secret_access_key: str,
                         session_token: Optional[str] = None) -> "Endpoint":
        return Endpoint(self.url, access_key_id, secret_access_key, session_token,
                        self.ca_bundle)


# Every answer a test client received: (endpoint URL, request id). The
# session fixture checks that each answer of its server left exactly one
# audit event (conftest.py).
ANSWERED: list = []


def _noter(url: str) -> Callable:
    def note(parsed=None, **_kwargs):
        request_id = (parsed or {}).get("ResponseMetadata", {}).get("RequestId")
        if request_id:
            ANSWERED.append((url, request_id))
    return note


def make_client(ep: Endpoint, region: str = DEFAULT_REGION, *, validate: bool = True,
                read_timeout: float = 30.0, service: str = "secretsmanager",
                unsigned: bool = False, session: Optional[boto3.session.Session] = None):
    """A boto3 client (`secretsmanager` unless `service` says `kms`, `iam` or
    `sts`) with retries off, so every error is the first answer (botocore
    retries LimitExceededException and 5xx by default). `unsigned` sends no
    Authorization header at all (AssumeRoleWithWebIdentity)."""
    session = session or boto3.session.Session()
    extra = {}
    if unsigned:
        extra["signature_version"] = botocore.UNSIGNED
    client = session.client(
        service,
        endpoint_url=ep.url,
        region_name=region,
        verify=ep.ca_bundle,
        aws_access_key_id=None if unsigned else ep.access_key_id,
        aws_secret_access_key=None if unsigned else ep.secret_access_key,
        aws_session_token=None if unsigned else ep.session_token,
        config=Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            parameter_validation=validate,
            connect_timeout=5,
            read_timeout=read_timeout,
            tcp_keepalive=False,
            **extra,
        ),
    )
    client.meta.events.register("after-call", _noter(ep.url))
    canaries.install(client)
    if not unsigned:
        canaries.note(ep.secret_access_key, "client secret access key")
        canaries.note(ep.session_token, "client session token")
    return client


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
        canaries.note_request(dict(req.headers), body)
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
            canaries.note_response(data)
            headers = {k.lower(): v for k, v in resp.getheaders()}
            return RawResponse(resp.status, headers, data)
        finally:
            conn.close()

    def call(self, target: str, body: Any = None, *, region: str = DEFAULT_REGION,
             headers: Optional[dict] = None, **sign_kwargs) -> RawResponse:
        req = self.build(target, body, headers=headers)
        if target.startswith("TrentService.") and "service" not in sign_kwargs:
            sign_kwargs["service"] = "kms"
        self.sign(req, region=region, **sign_kwargs)
        return self.send(req)

    def kms(self, operation: str, body: Any = None, **kwargs) -> RawResponse:
        """A raw KMS request (`X-Amz-Target: TrentService.<operation>`,
        signed for the `kms` service)."""
        return self.call(f"TrentService.{operation}", body, **kwargs)


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


# --------------------------------------------------------------------------
# KMS: identifiers and AWS texts
# --------------------------------------------------------------------------
# Sources (see README "KMS sources"): LocalStack's AWS-validated snapshots
# (tests/aws/services/kms/test_kms.snapshot.json), messages quoted from real
# AWS in public bug reports, the KMS API reference / botocore model. Tags as
# in the SM reference: [AWS] recorded, [doc] documented, [inferred].

KEY_ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
KEY_ARN_RE = re.compile(
    r"^arn:aws:kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):key/"
    r"(?P<key_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
DEFAULT_SM_ALIAS = "alias/aws/secretsmanager"


def key_arn(region: str, account: str, key_id: str) -> str:
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def alias_arn(region: str, account: str, alias_name: str) -> str:
    """`alias_name` includes the `alias/` prefix, as AWS's AliasArn does."""
    return f"arn:aws:kms:{region}:{account}:{alias_name}"


def msg_key_not_found(arn: str) -> str:
    # [AWS] DescribeKey of a well-formed unknown key id or key ARN.
    return f"Key '{arn}' does not exist"


def msg_invalid_key_id(key_id: str) -> str:
    # [AWS] DescribeKey/GenerateMac with a KeyId that is no UUID.
    return f"Invalid keyId '{key_id}'"


def msg_key_disabled(arn: str) -> str:
    # [AWS] "DisabledException ... arn:aws:kms:us-east-1:123456789012:key/... is disabled."
    # (fugue/credstash#86, GenerateDataKey).
    return f"{arn} is disabled."


def msg_key_pending_deletion(arn: str) -> str:
    # [AWS] "KMSInvalidStateException: arn:aws:kms:...:key/... is pending deletion."
    # (hashicorp/terraform-provider-aws#17889, ScheduleKeyDeletion twice).
    return f"{arn} is pending deletion."


# [AWS] CreateAlias without the prefix (ValidationException).
MSG_ALIAS_PREFIX = ('Alias must start with the prefix "alias/". Please see '
                    "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html")
# [AWS] Decrypt with a KeyId other than the one that encrypted.
MSG_INCORRECT_KEY = ("The key ID in the request does not identify a CMK that can perform "
                     "this operation.")
# [AWS] Coral violation of GenerateRandom without NumberOfBytes.
MSG_NUMBER_OF_BYTES_REQUIRED = "NumberOfBytes is required."
# [AWS] ScheduleKeyDeletion PendingWindowInDays outside 7-30
# ("ValidationException: PendingWindowInDays must be between 7 and 30",
# Skyscanner/kms-issuer#8).
MSG_PENDING_WINDOW = "PendingWindowInDays must be between 7 and 30"
# [AWS] the default key policy (recorded as ReplicaPolicy / CreateKey default).
def default_key_policy(account: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [{
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }],
    }


# Secrets Manager's view of an unusable KMS key ([doc]: EncryptionFailure
# "Check that the KMS key is available, enabled, and not in an invalid state";
# DecryptionFailure "can't decrypt the protected secret text using the
# provided KMS key"). No AWS response with its message was found, so tests
# assert these codes only.
SM_READ_KEY_UNUSABLE = "DecryptionFailure"
SM_WRITE_KEY_UNUSABLE = "EncryptionFailure"
# [AWS] an unknown KmsKeyId: InvalidParameterException "The operation failed
# because of an invalid KMS key: Invalid keyId" (boto/boto3#1533,
# hashicorp/terraform-provider-aws#13303).
MSG_SM_INVALID_KMS_KEY_PREFIX = "The operation failed because of an invalid KMS key"


def unique_alias(hint: str = "a") -> str:
    """A fresh alias name (`alias/` + `[A-Za-z0-9/_-]`, ≤ 256)."""
    hint = re.sub(r"[^A-Za-z0-9_-]", "_", hint)[:48] or "a"
    return f"alias/compat-{RUN_ID}/{hint}/{uuid.uuid4().hex[:12]}"


def list_all(call: Callable[..., dict], key: str, *, limit: Optional[int] = None,
             **kwargs) -> list:
    """Follows KMS Marker/NextMarker/Truncated paging; checks the paging
    members on every page."""
    out = []
    if limit is not None:
        kwargs["Limit"] = limit
    for _ in range(10_000):
        resp = call(**kwargs)
        items = resp[key]
        if limit is not None:
            assert len(items) <= limit, (limit, len(items))
        out.extend(items)
        if resp.get("Truncated"):
            assert resp.get("NextMarker"), f"Truncated without NextMarker: {resp}"
            kwargs["Marker"] = resp["NextMarker"]
            continue
        assert resp.get("Truncated") is False, f"Truncated must be present and false: {resp}"
        assert "NextMarker" not in resp, f"NextMarker on the last page: {resp}"
        return out
    raise AssertionError("paging did not end")


def flip_byte(data: bytes, index: int) -> bytes:
    b = bytearray(data)
    b[index] ^= 0x01
    return bytes(b)


# --------------------------------------------------------------------------
# Operator commands and the seal (contract: tests/compat/README.md, "Sealed
# servers and operator commands")
# --------------------------------------------------------------------------

SEAL_STATUS_PATH = "/tresor/v1/seal-status"
SHARE_LINE_RE = re.compile(r"^Unseal share (\d+): (\S+)\s*$")
EXPORT_RE = re.compile(r"^\s*export (AWS_[A-Z_]+)=(\S+)\s*$")
PROGRESS_RE = re.compile(r"Unseal progress: (\d+)/(\d+)")


def isolated_env(**extra: str) -> dict:
    """This process's environment without any AWS_* or TRESOR_* variable
    (and with no usable ~/.aws files), plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and not k.startswith("TRESOR_")}
    env["AWS_CONFIG_FILE"] = os.environ.get("AWS_CONFIG_FILE", "/nonexistent/tresor-compat/config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.environ.get(
        "AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/tresor-compat/credentials")
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env.update(extra)
    return env


def canary_encodings(value: bytes) -> list:
    """The forms a leaked value could take (security.md T6): raw, base64
    (standard and URL-safe, each at the 3 alignments it can have inside a
    longer base64 text), hex (both cases), JSON-escaped."""
    out = [value, value.hex().encode(), value.hex().upper().encode()]
    for shift in range(3):
        padded = b"\x00" * shift + value
        for enc in (base64.b64encode(padded), base64.urlsafe_b64encode(padded)):
            middle = enc[4:-4]  # the part that depends on `value` alone
            if len(middle) >= 8:
                out.append(middle)
    try:
        out.append(json.dumps(value.decode("utf-8"))[1:-1].encode())
    except UnicodeDecodeError:
        pass
    return list(dict.fromkeys(out))


def files_under(root: Path) -> list:
    return [p for p in Path(root).rglob("*") if p.is_file()]


def leaks(haystacks: dict, secrets: dict) -> list:
    """[(haystack name, secret name)] for every secret (any encoding) found in
    any haystack. `haystacks`: name -> bytes; `secrets`: name -> bytes."""
    found = []
    for hname, data in haystacks.items():
        for sname, value in secrets.items():
            if any(enc in data for enc in canary_encodings(value)):
                found.append((hname, sname))
    return found


def data_dir_contents(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in files_under(root)}


def credentials_env(ep: "Endpoint", region: str = DEFAULT_REGION, **extra: str) -> dict:
    """Environment for an operator command that signs its requests."""
    return isolated_env(AWS_ACCESS_KEY_ID=ep.access_key_id,
                        AWS_SECRET_ACCESS_KEY=ep.secret_access_key,
                        AWS_DEFAULT_REGION=region, **extra)


def run_tresor(binary: str, *args: str, env: Optional[dict] = None,
               input: Optional[str] = None, timeout: float = 60.0
               ) -> subprocess.CompletedProcess:
    """Runs `tresor <args>` to completion; text output, never raises on a
    non-zero exit (the caller asserts on returncode)."""
    return subprocess.run([binary, *map(str, args)], env=env if env is not None else isolated_env(),
                          input=input, capture_output=True, text=True, timeout=timeout,
                          stdin=None if input is not None else subprocess.DEVNULL)


def describe_run(out: subprocess.CompletedProcess) -> str:
    return (f"command: {' '.join(map(str, out.args))}\nexit: {out.returncode}\n"
            f"--- stdout ---\n{out.stdout}\n--- stderr ---\n{out.stderr}")


def parse_shares(stdout: str) -> list:
    """The shares printed by `operator init` / `migrate-seal`, in order.
    Checks the numbering is 1..N."""
    shares = []
    for line in stdout.splitlines():
        m = SHARE_LINE_RE.match(line.strip())
        if m:
            shares.append((int(m.group(1)), m.group(2)))
    assert [i for i, _ in shares] == list(range(1, len(shares) + 1)), shares
    return [s for _, s in shares]


def parse_exports(stdout: str) -> dict:
    """`export AWS_X=value` lines, as `server` prints them on first start."""
    out = {}
    for line in stdout.splitlines():
        m = EXPORT_RE.match(line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def first_integer(text: str) -> Optional[int]:
    m = re.search(r"\b(\d+)\b", text)
    return int(m.group(1)) if m else None


def http_get(url: str, timeout: float = 5.0) -> tuple:
    """(status, headers, body bytes) of a GET; never raises on HTTP errors."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def seal_status(endpoint: str) -> dict:
    status, headers, body = http_get(endpoint + SEAL_STATUS_PATH)
    assert status == 200, (status, body)
    return json.loads(body)


def unseal(binary: str, endpoint: str, share: str, *, stdin: bool = False
           ) -> subprocess.CompletedProcess:
    """`tresor operator unseal`, with no AWS credentials in the environment
    (unsealing needs none: the server cannot verify signatures while sealed)."""
    if stdin:
        return run_tresor(binary, "operator", "unseal", "--endpoint", endpoint,
                          input=share + "\n")
    return run_tresor(binary, "operator", "unseal", "--endpoint", endpoint, share)


def unseal_with(binary: str, endpoint: str, shares: Iterable[str]) -> None:
    """Submits `shares` in order; every step must succeed and the last must
    print `Unsealed.`."""
    shares = list(shares)
    for i, share in enumerate(shares, 1):
        out = unseal(binary, endpoint, share)
        assert out.returncode == 0, describe_run(out)
        if i < len(shares):
            m = PROGRESS_RE.search(out.stdout)
            assert m and int(m.group(1)) == i, describe_run(out)
        else:
            assert "Unsealed." in out.stdout, describe_run(out)


def wait_exit(proc: subprocess.Popen, timeout: float = 30.0) -> Optional[int]:
    """The exit code if the process ends within `timeout`, else None."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


# --------------------------------------------------------------------------
# Access control: IAM identities, STS sessions, policy documents and AWS's
# denial messages (contract: tests/compat/README.md, "Access control").
# --------------------------------------------------------------------------
# Sources, tagged as above:
#  [AWS] recorded from real AWS (messages quoted in public bug reports; the
#        thread is named next to each constant),
#  [doc] IAM User Guide ("Troubleshoot access denied error messages", "Policy
#        evaluation logic"), the Secrets Manager / KMS / STS API references,
#        the Service Authorization Reference, botocore's iam/sts models.

# The five reasons AWS gives at the end of an access-denied message [doc]:
# "User: <arn> is not authorized to perform: <action> on resource: <res>
# <reason>"; explicit denies may be followed by ": <policy arn>" (newer
# format), so only the phrase is compared.
DENY_NO_IDENTITY_ALLOW = "because no identity-based policy allows the {action} action"
DENY_NO_RESOURCE_ALLOW = "because no resource-based policy allows the {action} action"
DENY_NO_SESSION_ALLOW = "because no session policy allows the {action} action"
DENY_EXPLICIT_IDENTITY = "with an explicit deny in an identity-based policy"
DENY_EXPLICIT_RESOURCE = "with an explicit deny in a resource-based policy"
DENY_REASONS = (DENY_NO_IDENTITY_ALLOW, DENY_NO_RESOURCE_ALLOW, DENY_NO_SESSION_ALLOW,
                DENY_EXPLICIT_IDENTITY, DENY_EXPLICIT_RESOURCE)

# [AWS] Secrets Manager when the caller may not use the secret's KMS key
# (reference section 2).
MSG_KMS_NOT_ALLOWED = "Access to KMS is not allowed"
# [AWS] STS AssumeRole / AssumeRoleWith* (kreuzwerker/awsu#27,
# prowler-cloud/prowler#923; ValidationError, HTTP 400).
MSG_DURATION_EXCEEDS_MAX = ("The requested DurationSeconds exceeds the MaxSessionDuration set "
                            "for this role.")
# [AWS] AssumeRole with the account root's credentials (kubeflow/testing#961;
# AccessDenied, HTTP 403).
MSG_ROOT_CANNOT_ASSUME = "Roles may not be assumed by root accounts."
# [AWS] AssumeRoleWithWebIdentity refused by the trust policy
# (aws/aws-sdk-net#1522, aws-amplify/aws-sdk-android#9; AccessDenied, 403).
MSG_WEB_IDENTITY_DENIED = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
# [AWS] a third access key (simonw/s3-credentials#64; LimitExceeded, 409).
# An Inactive key still counts (same thread).
MSG_ACCESS_KEY_QUOTA = "Cannot exceed quota for AccessKeysPerUser: 2"
# [AWS] DeleteUser / DeleteRole / DeleteGroup refused (DeleteConflict, 409):
# aws-controllers-k8s/community#2229, simonw/s3-credentials#10,
# ansible/ansible#22832.
MSG_DELETE_KEYS_FIRST = "Cannot delete entity, must delete access keys first."
MSG_DELETE_POLICIES_FIRST = "Cannot delete entity, must delete policies first."
MSG_DETACH_POLICIES_FIRST = "Cannot delete entity, must detach all policies first."

# [doc] IAM unique-identifier prefixes ("IAM identifiers", unique IDs).
PREFIX_USER_ID = "AIDA"
PREFIX_ROLE_ID = "AROA"
PREFIX_GROUP_ID = "AGPA"
PREFIX_POLICY_ID = "ANPA"
PREFIX_ACCESS_KEY = "AKIA"
PREFIX_TEMP_ACCESS_KEY = "ASIA"

IAM_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")


def iam_name(hint: str = "x") -> str:
    """A fresh IAM user/role/group/policy name (≤ 64 chars of [\\w+=,.@-])."""
    hint = re.sub(r"[^A-Za-z0-9_+=,.@-]", "_", hint)[:28] or "x"
    return f"c{RUN_ID}-{hint}-{uuid.uuid4().hex[:8]}"


def session_name(hint: str = "s") -> str:
    hint = re.sub(r"[^A-Za-z0-9_+=,.@-]", "_", hint)[:40] or "s"
    return f"{hint}-{uuid.uuid4().hex[:8]}"


def root_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


def user_arn(account: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:user{path}{name}"


def role_arn(account: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:role{path}{name}"


def assumed_role_arn(account: str, role: str, session: str) -> str:
    return f"arn:aws:sts::{account}:assumed-role/{role}/{session}"


def secret_arn_glob(account: str, name: str, region: str = DEFAULT_REGION) -> str:
    """The Resource AWS recommends for one secret by name: its ARN with the
    6-character suffix as `??????` ([doc] "Secrets Manager ARN" in the
    permissions examples)."""
    return f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-??????"


def secrets_under(account: str, prefix: str, region: str = DEFAULT_REGION) -> str:
    return f"arn:aws:secretsmanager:{region}:{account}:secret:{prefix}*"


# ---------------------------------------------------------------- documents


def statement(effect: str, action: Any = None, resource: Any = "*", *,
              not_action: Any = None, not_resource: Any = None, principal: Any = None,
              condition: Optional[dict] = None, sid: Optional[str] = None) -> dict:
    st: dict = {"Effect": effect}
    if sid:
        st["Sid"] = sid
    if principal is not None:
        st["Principal"] = principal
    if action is not None:
        st["Action"] = action
    if not_action is not None:
        st["NotAction"] = not_action
    if not_resource is not None:
        st["NotResource"] = not_resource
    elif resource is not None:
        st["Resource"] = resource
    if condition:
        st["Condition"] = condition
    return st


def allow(action: Any = None, resource: Any = "*", **kwargs) -> dict:
    return statement("Allow", action, resource, **kwargs)


def deny(action: Any = None, resource: Any = "*", **kwargs) -> dict:
    return statement("Deny", action, resource, **kwargs)


def policy(*statements: dict) -> str:
    """A policy document (JSON text) with Version 2012-10-17."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trust(*principals: Any, action: Any = "sts:AssumeRole", condition: Optional[dict] = None) -> str:
    """A role trust policy allowing `action` to each principal. A principal
    is an ARN (→ {"AWS": arn}) or a ready Principal dict."""
    sts = []
    for p in principals:
        st = {"Effect": "Allow", "Principal": {"AWS": p} if isinstance(p, str) else p,
              "Action": action}
        if condition:
            st["Condition"] = condition
        sts.append(st)
    return json.dumps({"Version": "2012-10-17", "Statement": sts})


# ---------------------------------------------------------------- denials

ANY_RESOURCE = object()


def assert_denial_message(message: Optional[str], principal_arn: str, actions: Any,
                          resource: Any = ANY_RESOURCE, reason: Optional[str] = None) -> None:
    """AWS's access-denied text [doc]: `User: <principal> is not authorized
    to perform: <action>[ on resource: <resource>] <reason>`.
    `actions`: one action or a tuple of acceptable ones. `resource`: a
    string or tuple of acceptable resources; None for actions without a
    resource type (AWS omits "on resource", e.g. [AWS] ListSecrets,
    external-secrets/external-secrets#1443; "on resource: *" is accepted
    too); ANY_RESOURCE to not check it. `reason`: one of DENY_* (None: any)."""
    message = message or ""
    acts = (actions,) if isinstance(actions, str) else tuple(actions)
    head = f"User: {principal_arn} is not authorized to perform: "
    assert message.startswith(head), f"not an AWS denial of {principal_arn}: {message!r}"
    rest = message[len(head):]
    action = next((a for a in acts if rest.startswith(a + " ") or rest == a), None)
    assert action, f"denial names another action than {acts}: {message!r}"
    rest = rest[len(action):]
    if resource is None:
        if rest.startswith(" on resource: * "):
            rest = rest[len(" on resource: *"):]
        assert rest.startswith(" because ") or rest.startswith(" with "), message
    elif resource is not ANY_RESOURCE:
        options = (resource,) if isinstance(resource, str) else tuple(resource)
        hit = next((r for r in options if rest.startswith(f" on resource: {r} ")), None)
        assert hit, f"denial should name the resource as one of {options}: {message!r}"
        rest = rest[len(f" on resource: {hit}"):]
    reasons = [reason] if reason else list(DENY_REASONS)
    assert any(r.format(action=action) in rest for r in reasons), \
        f"denial reason should be {reasons}: {message!r}"


def expect_denied(call: Callable[[], Any], principal_arn: str, actions: Any,
                  resource: Any = ANY_RESOURCE, reason: Optional[str] = None, *,
                  code: str = "AccessDeniedException", status: int = 400) -> dict:
    """The call is refused by authorization: `code` (AccessDeniedException,
    HTTP 400, for Secrets Manager and KMS; AccessDenied, HTTP 403, for IAM
    and STS), with AWS's message form."""
    resp = expect_error(call, code, status=status)
    assert_denial_message(resp["Error"].get("Message"), principal_arn, actions, resource, reason)
    return resp


def expect_iam_denied(call: Callable[[], Any], principal_arn: str, actions: Any,
                      resource: Any = ANY_RESOURCE, reason: Optional[str] = None) -> dict:
    return expect_denied(call, principal_arn, actions, resource, reason,
                         code="AccessDenied", status=403)


# ---------------------------------------------------------------- principals

_SHARED_SESSION: Optional[boto3.session.Session] = None


def shared_session() -> boto3.session.Session:
    """One boto3 session for the many short-lived identity clients (loading
    the service models once). Not for threads."""
    global _SHARED_SESSION
    if _SHARED_SESSION is None:
        _SHARED_SESSION = boto3.session.Session()
    return _SHARED_SESSION


@dataclass
class Principal:
    """Someone who signs requests: the account root, an IAM user (with an
    access key) or a role session (temporary credentials)."""

    arn: str
    endpoint: Endpoint
    name: str = ""
    user_id: str = ""
    _clients: dict = field(default_factory=dict, repr=False)

    def client(self, service: str = "secretsmanager", region: str = DEFAULT_REGION, *,
               validate: bool = False):
        """Clients without client-side validation by default, so that only
        the server decides (sm_raw_params style)."""
        key = (service, region, validate)
        if key not in self._clients:
            self._clients[key] = make_client(self.endpoint, region, validate=validate,
                                             service=service, session=shared_session())
        return self._clients[key]

    @property
    def sm(self):
        return self.client("secretsmanager")

    @property
    def kms(self):
        return self.client("kms")

    @property
    def iam(self):
        return self.client("iam")

    @property
    def sts(self):
        return self.client("sts")


def iam_list_all(call: Callable[..., dict], key: str, **kwargs) -> list:
    """Follows IAM's IsTruncated/Marker paging."""
    out = []
    for _ in range(10_000):
        resp = call(**kwargs)
        out.extend(resp[key])
        if not resp.get("IsTruncated"):
            return out
        assert resp.get("Marker"), f"IsTruncated without Marker: {resp}"
        kwargs["Marker"] = resp["Marker"]
    raise AssertionError("paging did not end")


class Identities:
    """Creates IAM users, groups, roles and managed policies through the IAM
    API as the account root, hands out principals that sign with their own
    credentials, and deletes everything it created (best effort) at the end
    of the test."""

    def __init__(self, endpoint: Endpoint, account: str):
        self.endpoint = endpoint
        self.account = account
        self.admin = Principal(root_arn(account), endpoint)
        self.iam = make_client(endpoint, service="iam", session=shared_session())
        self.sts = make_client(endpoint, service="sts", session=shared_session())
        self.users: list = []
        self.groups: list = []
        self.roles: list = []
        self.policies: list = []

    # -- creation

    def user(self, hint: str = "user", *, policy: Optional[str] = None,
             policies: Optional[dict] = None, managed: Iterable[str] = (),
             groups: Iterable[str] = (), tags: Optional[dict] = None,
             path: Optional[str] = None, key: bool = True,
             name: Optional[str] = None) -> Principal:
        """An IAM user with an access key; `policy` is one inline policy,
        `policies` maps inline policy names to documents. Named `name`
        exactly, else a fresh name made from `hint`."""
        name = name or iam_name(hint)
        kwargs: dict = {"UserName": name}
        if tags:
            kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        if path:
            kwargs["Path"] = path
        created = self.iam.create_user(**kwargs)["User"]
        self.users.append(name)
        inline = dict(policies or {})
        if policy is not None:
            inline["inline"] = policy
        for pname, doc in inline.items():
            self.iam.put_user_policy(UserName=name, PolicyName=pname, PolicyDocument=doc)
        for arn in managed:
            self.iam.attach_user_policy(UserName=name, PolicyArn=arn)
        for group in groups:
            self.iam.add_user_to_group(GroupName=group, UserName=name)
        ep = self.endpoint
        if key:
            akid, secret = self.access_key(name)
            ep = self.endpoint.with_credentials(akid, secret)
        return Principal(created["Arn"], ep, name=name, user_id=created["UserId"])

    def access_key(self, user_name: str) -> tuple:
        k = self.iam.create_access_key(UserName=user_name)["AccessKey"]
        return k["AccessKeyId"], k["SecretAccessKey"]

    def group(self, hint: str = "group", *, policy: Optional[str] = None,
              managed: Iterable[str] = ()) -> str:
        name = iam_name(hint)
        self.iam.create_group(GroupName=name)
        self.groups.append(name)
        if policy is not None:
            self.iam.put_group_policy(GroupName=name, PolicyName="inline", PolicyDocument=policy)
        for arn in managed:
            self.iam.attach_group_policy(GroupName=name, PolicyArn=arn)
        return name

    def role(self, hint: str = "role", *, trust_policy: Optional[str] = None,
             trusted: Iterable[str] = (), policy: Optional[str] = None,
             managed: Iterable[str] = (), tags: Optional[dict] = None,
             max_session: Optional[int] = None, name: Optional[str] = None) -> dict:
        """A role; trusted by `trust_policy`, else by the ARNs in `trusted`
        (sts:AssumeRole), else by the account (its identities then need an
        sts:AssumeRole identity permission). Named `name` exactly, else a
        fresh name made from `hint`. Returns GetRole's Role."""
        name = name or iam_name(hint)
        doc = trust_policy or trust(*(list(trusted) or [root_arn(self.account)]))
        kwargs: dict = {"RoleName": name, "AssumeRolePolicyDocument": doc}
        if tags:
            kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        if max_session:
            kwargs["MaxSessionDuration"] = max_session
        role = self.iam.create_role(**kwargs)["Role"]
        self.roles.append(name)
        if policy is not None:
            self.iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=policy)
        for arn in managed:
            self.iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        return role

    def managed_policy(self, hint: str, document: str) -> str:
        name = iam_name(hint)
        arn = self.iam.create_policy(PolicyName=name, PolicyDocument=document)["Policy"]["Arn"]
        self.policies.append(arn)
        return arn

    def assume(self, who: Principal, role: Any, session: Optional[str] = None,
               **kwargs) -> Principal:
        """`who` assumes `role` (a Role dict or an ARN); the session as a
        Principal signing with the temporary credentials."""
        arn = role["Arn"] if isinstance(role, dict) else role
        session = session or session_name()
        resp = who.client("sts", validate=True).assume_role(
            RoleArn=arn, RoleSessionName=session, **kwargs)
        c = resp["Credentials"]
        return Principal(resp["AssumedRoleUser"]["Arn"],
                         self.endpoint.with_credentials(c["AccessKeyId"], c["SecretAccessKey"],
                                                        c["SessionToken"]),
                         name=session, user_id=resp["AssumedRoleUser"]["AssumedRoleId"])

    # -- cleanup

    def _quiet(self, fn: Callable[..., Any], **kwargs) -> Any:
        try:
            return fn(**kwargs)
        except ClientError:
            return None

    def _names(self, call: Callable[..., dict], key: str, field_name: Optional[str] = None,
               **kwargs) -> list:
        try:
            items = iam_list_all(call, key, **kwargs)
        except ClientError:
            return []
        return [i[field_name] if field_name else i for i in items]

    def cleanup(self) -> None:
        iam = self.iam
        for name in reversed(self.users):
            for g in self._names(iam.list_groups_for_user, "Groups", "GroupName", UserName=name):
                self._quiet(iam.remove_user_from_group, GroupName=g, UserName=name)
            for p in self._names(iam.list_user_policies, "PolicyNames", UserName=name):
                self._quiet(iam.delete_user_policy, UserName=name, PolicyName=p)
            for a in self._names(iam.list_attached_user_policies, "AttachedPolicies", "PolicyArn",
                                 UserName=name):
                self._quiet(iam.detach_user_policy, UserName=name, PolicyArn=a)
            for k in self._names(iam.list_access_keys, "AccessKeyMetadata", "AccessKeyId",
                                 UserName=name):
                self._quiet(iam.delete_access_key, UserName=name, AccessKeyId=k)
            self._quiet(iam.delete_user, UserName=name)
        for name in reversed(self.roles):
            for p in self._names(iam.list_role_policies, "PolicyNames", RoleName=name):
                self._quiet(iam.delete_role_policy, RoleName=name, PolicyName=p)
            for a in self._names(iam.list_attached_role_policies, "AttachedPolicies", "PolicyArn",
                                 RoleName=name):
                self._quiet(iam.detach_role_policy, RoleName=name, PolicyArn=a)
            self._quiet(iam.delete_role, RoleName=name)
        for name in reversed(self.groups):
            got = self._quiet(iam.get_group, GroupName=name) or {}
            for u in got.get("Users", []):
                self._quiet(iam.remove_user_from_group, GroupName=name, UserName=u["UserName"])
            for p in self._names(iam.list_group_policies, "PolicyNames", GroupName=name):
                self._quiet(iam.delete_group_policy, GroupName=name, PolicyName=p)
            for a in self._names(iam.list_attached_group_policies, "AttachedPolicies",
                                 "PolicyArn", GroupName=name):
                self._quiet(iam.detach_group_policy, GroupName=name, PolicyArn=a)
            self._quiet(iam.delete_group, GroupName=name)
        for arn in reversed(self.policies):
            for v in self._names(iam.list_policy_versions, "Versions", PolicyArn=arn):
                if not v.get("IsDefaultVersion"):
                    self._quiet(iam.delete_policy_version, PolicyArn=arn, VersionId=v["VersionId"])
            self._quiet(iam.delete_policy, PolicyArn=arn)


def account_of_endpoint(ep: Endpoint) -> str:
    """The endpoint's account: GetCallerIdentity, else the account in a
    fresh secret's ARN (so that tests fail on their own assertions, not in
    a fixture, while STS is missing)."""
    try:
        return make_client(ep, service="sts").get_caller_identity()["Account"]
    except Exception:  # noqa: BLE001 - any failure: fall back
        sm = make_client(ep)
        return account_of(sm.create_secret(Name=unique_name("account-probe"),
                                           SecretString="x")["ARN"])


def expect_sts_denied(call: Callable[[], Any], principal_arn: str, resource: str,
                      action: str = "sts:AssumeRole") -> dict:
    """STS AccessDenied (HTTP 403). [AWS] AssumeRole refusals read `User:
    <caller> is not authorized to perform: sts:AssumeRole on resource: <role
    ARN>` and often carry no reason (amzn/selling-partner-api-models#1186,
    aws/karpenter-provider-aws#4680), so only that head is compared."""
    resp = expect_error(call, "AccessDenied", status=403)
    message = resp["Error"].get("Message") or ""
    head = f"User: {principal_arn} is not authorized to perform: {action} on resource: {resource}"
    assert message == head or message.startswith(head + " "), message
    return resp


def assert_expires_in(expiration: dt.datetime, seconds: int, slack: float = 600) -> None:
    """Temporary credentials expire `seconds` after issue (± `slack`, which
    absorbs clock differences; this is not a timing measurement)."""
    delta = (expiration - utcnow()).total_seconds()
    assert abs(delta - seconds) <= slack, (expiration, seconds, delta)
