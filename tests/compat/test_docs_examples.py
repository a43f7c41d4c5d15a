"""The worked examples of docs/access-control.md, run as written.

Each example on that page is a ```json block after an
`<!-- example: NAME -->` marker, followed by `- allowed: …` and
`- denied: …` lines. This module reads the policies from the page (with the
page's example account 111122223333 replaced by the server's), sets up the
users, roles and secrets the text describes, and checks every answer the
page promises: an allowed call succeeds, a denied one gets AccessDenied.
The page and this module must list the same scenarios, so an example edited
on the page without its test (or the other way round) fails here.

The examples run on their own dev server (its names — `dev/api`,
`prod/db`, the user `rotator` — are the page's own), started with the
page's `[[oidc_providers]]` issuer; the break-glass example also needs a
second server that speaks HTTPS."""

from __future__ import annotations

import json
import os
import re
import secrets as _secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
from botocore.exceptions import ClientError

import smharness as h
from oidctokens import Signer, jwt

DOC = Path(__file__).resolve().parents[2] / "docs" / "access-control.md"
DOC_ACCOUNT = "111122223333"
ISSUER = "https://kubernetes.default.svc"
AKID = "AKIATRESORDOCSEXAMPL"


# ---------------------------------------------------------------- the page


@dataclass
class Example:
    name: str
    policy: dict  # as on the page (account 111122223333)
    allowed: list  # the page's phrases
    denied: list

    def document(self, account: str) -> str:
        return json.dumps(self.policy).replace(DOC_ACCOUNT, account)


def _phrases(line: str, prefix: str) -> list:
    """`- allowed: a, b (x, y), c` -> ["a", "b (x, y)", "c"]."""
    body = line[len(prefix):].strip()
    return [p.strip() for p in re.split(r",\s(?![^()]*\))", body) if p.strip()]


def read_examples(text: str) -> dict:
    examples = {}
    for match in re.finditer(r"<!-- example: ([\w-]+) -->\n```json\n(.*?)\n```\n", text, re.S):
        name, block = match.group(1), match.group(2)
        assert name not in examples, f"example {name} appears twice"
        allowed, denied = [], []
        for line in text[match.end():].splitlines():
            if line.startswith("#") or line.startswith("<!-- example:"):
                break
            if line.startswith("- allowed:"):
                allowed += _phrases(line, "- allowed:")
            elif line.startswith("- denied:"):
                denied += _phrases(line, "- denied:")
        examples[name] = Example(name, json.loads(block), allowed, denied)
    return examples


EXAMPLES = read_examples(DOC.read_text())


# ---------------------------------------------------------------- the servers


@dataclass
class World:
    """One server as its root sees it."""

    endpoint: h.Endpoint
    account: str
    ids: h.Identities
    made: dict = field(default_factory=dict)  # what scenarios share, made once

    @property
    def root(self) -> h.Principal:
        return self.ids.admin

    def policy(self, example: str) -> str:
        return EXAMPLES[example].document(self.account)

    def secret(self, name: str, tags: dict | None = None, **kwargs) -> dict:
        if tags:
            kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        return self.root.sm.create_secret(Name=name, SecretString=f"value of {name}", **kwargs)


def _start(binary: str, work: Path, log_name: str, **kwargs) -> tuple:
    secret_key = _secrets.token_urlsafe(30)[:40]
    server = h.dev_server(binary, work, AKID, secret_key, log_name=log_name, **kwargs)
    server.start()
    endpoint = h.Endpoint(server.endpoint, AKID, secret_key,
                          ca_bundle=str(server.tls_ca) if server.tls_ca else None)
    return server, endpoint


@pytest.fixture(scope="module")
def issuer_key() -> Signer:
    return Signer("RS256", "docs-cluster-key")


@pytest.fixture(scope="module")
def binary():
    path = os.environ.get("TRESOR_BIN")
    if not path or os.environ.get("TRESOR_COMPAT_ENDPOINT"):
        pytest.skip("the docs' examples need their own servers started from TRESOR_BIN")
    return path


@pytest.fixture(scope="module")
def world(binary, tmp_path_factory, issuer_key):
    """The plain-HTTP server, configured with the page's OIDC issuer."""
    work = tmp_path_factory.mktemp("docs")
    jwks = work / "cluster-jwks.json"
    jwks.write_text(json.dumps({"keys": [issuer_key.jwk]}))
    config = work / "tresor.toml"
    config.write_text("[[oidc_providers]]\n"
                      f'issuer = "{ISSUER}"\n'
                      f'jwks_file = "{jwks}"\n'
                      'audiences = ["sts.amazonaws.com"]\n')
    server, endpoint = _start(binary, work, "docs-server.log",
                              extra_args=["--config", str(config)])
    try:
        account = h.account_of_endpoint(endpoint)
        yield World(endpoint, account, h.Identities(endpoint, account))
    finally:
        server.stop()


@pytest.fixture(scope="module")
def tls_world(binary, tmp_path_factory):
    """A second server, speaking HTTPS."""
    work = tmp_path_factory.mktemp("docs-tls")
    server, endpoint = _start(binary, work, "docs-tls-server.log",
                              tls=h.self_signed_certificate(work))
    try:
        account = h.account_of_endpoint(endpoint)
        yield World(endpoint, account, h.Identities(endpoint, account))
    finally:
        server.stop()


# ---------------------------------------------------------------- scenarios
#
# Each returns {the page's phrase: [calls]}. Allowed calls must succeed,
# denied calls must each be refused with AccessDenied.


def per_environment(w: World, _request) -> dict:
    for name in ("test/db", "prod/db"):
        w.secret(name)
    group = w.ids.group("developers", policy=w.policy("per-environment"))
    dev = w.ids.user("developer", groups=[group])
    sm = dev.sm
    return {
        "create `dev/api`": [lambda: sm.create_secret(Name="dev/api", SecretString="v1")],
        "put a value in it": [lambda: sm.put_secret_value(SecretId="dev/api", SecretString="v2")],
        "read `test/db`": [lambda: sm.get_secret_value(SecretId="test/db")],
        "list secrets": [lambda: sm.list_secrets()],
        "put a value in `test/db`": [
            lambda: sm.put_secret_value(SecretId="test/db", SecretString="x")],
        "read or create `prod/db`": [
            lambda: sm.get_secret_value(SecretId="prod/db"),
            lambda: sm.create_secret(Name="prod/db", SecretString="x"),
            lambda: sm.create_secret(Name="prod/new", SecretString="x")],
    }


def app_read_only(w: World, _request) -> dict:
    for name in ("prod/web/db", "prod/web/api-key", "prod/web/db-old", "prod/billing/db"):
        w.secret(name)
    sm = w.ids.user("app", policy=w.policy("app-read-only")).sm
    return {
        "read `prod/web/db`": [lambda: sm.get_secret_value(SecretId="prod/web/db")],
        "read `prod/web/api-key`": [lambda: sm.get_secret_value(SecretId="prod/web/api-key")],
        "read `prod/web/db-old`": [lambda: sm.get_secret_value(SecretId="prod/web/db-old")],
        "read `prod/billing/db`": [lambda: sm.get_secret_value(SecretId="prod/billing/db")],
        "put a value in `prod/web/db`": [
            lambda: sm.put_secret_value(SecretId="prod/web/db", SecretString="x")],
        "list secrets": [lambda: sm.list_secrets()],
    }


def _rotation_role(w: World) -> tuple:
    """The rotation role and the user `rotator` its trust policy names."""
    if "rotation" not in w.made:
        role = w.ids.role(name="rotation", trust_policy=w.policy("rotation-role-trust"),
                          policy=w.policy("rotation-role"))
        w.made["rotation"] = role, w.ids.user(name="rotator")
    return w.made["rotation"]


def rotation_role(w: World, _request) -> dict:
    role, rotator = _rotation_role(w)
    sm = w.ids.assume(rotator, role, "rotation-job").sm
    tagged = w.secret("rotation/tagged", tags={"rotation": "auto"})["ARN"]
    untagged = w.secret("rotation/untagged")["ARN"]
    return {
        "put a value in a secret tagged `rotation=auto`": [
            lambda: sm.put_secret_value(SecretId=tagged, SecretString="rotated")],
        "get a random password": [lambda: sm.get_random_password()],
        "put a value in an untagged secret": [
            lambda: sm.put_secret_value(SecretId=untagged, SecretString="rotated")],
        "delete a secret tagged `rotation=auto`": [lambda: sm.delete_secret(SecretId=tagged)],
    }


def rotation_role_trust(w: World, _request) -> dict:
    role, rotator = _rotation_role(w)
    other = w.ids.user("other", policy=h.policy(h.allow("sts:AssumeRole", "*")))
    return {
        "`rotator` assumes the role": [lambda: w.ids.assume(rotator, role, "rotator")],
        "another user assumes it (even one whose own policy allows `sts:AssumeRole`)": [
            lambda: w.ids.assume(other, role, "other")],
    }


def _break_glass(w: World) -> tuple:
    """The break-glass role, `oncall-1` and an administrator on server `w`."""
    if "break-glass" not in w.made:
        role = w.ids.role(name="break-glass", trust_policy=w.policy("break-glass-trust"),
                          managed=["arn:aws:iam::aws:policy/AdministratorAccess"])
        w.made["break-glass"] = role, w.ids.user(name="oncall-1"), w.ids.user(
            "admin", managed=["arn:aws:iam::aws:policy/AdministratorAccess"])
    return w.made["break-glass"]


def break_glass_trust(w: World, request) -> dict:
    tls = request.getfixturevalue("tls_world")
    tls_role, tls_oncall, tls_admin = _break_glass(tls)
    role, oncall, _ = _break_glass(w)

    def assume_over_tls():
        session = tls.ids.assume(tls_oncall, tls_role, "oncall-1")
        # The session works, and its ARN names who used it.
        who = session.sts.get_caller_identity()["Arn"]
        assert who == f"arn:aws:sts::{tls.account}:assumed-role/break-glass/oncall-1", who
        session.sm.create_secret(Name="break-glass/used", SecretString="x")

    return {
        "`oncall-1` assumes the role over TLS as session `oncall-1`": [assume_over_tls],
        "`oncall-1` assumes it over plain HTTP": [lambda: w.ids.assume(oncall, role, "oncall-1")],
        "`oncall-1` assumes it as session `admin`": [
            lambda: tls.ids.assume(tls_oncall, tls_role, "admin")],
        "another user assumes it (even an administrator)": [
            lambda: tls.ids.assume(tls_admin, tls_role, tls_admin.name)],
    }


def abac(w: World, _request) -> dict:
    payments = w.secret("teams/payments/db", tags={"team": "payments"})["ARN"]
    search = w.secret("teams/search/db", tags={"team": "search"})["ARN"]
    sm = w.ids.user("payments-dev", policy=w.policy("abac"), tags={"team": "payments"}).sm

    def create(team):
        return lambda: sm.create_secret(Name=f"teams/{team}/new", SecretString="x",
                                        Tags=[{"Key": "team", "Value": team}])

    return {
        "read a secret tagged `team=payments`": [lambda: sm.get_secret_value(SecretId=payments)],
        "create a secret tagged `team=payments`": [create("payments")],
        "read a secret tagged `team=search`": [lambda: sm.get_secret_value(SecretId=search)],
        "create a secret tagged `team=search`": [create("search")],
    }


def resource_policy(w: World, _request) -> dict:
    shared = w.secret("reports/warehouse")["ARN"]
    w.root.sm.put_resource_policy(SecretId=shared, ResourcePolicy=w.policy("resource-policy"),
                                  BlockPublicPolicy=True)
    other = w.secret("reports/other")["ARN"]
    # Trusted by the account; the role has no identity policy at all. (The
    # root may not assume roles, on AWS as here: a user does.)
    role = w.ids.role(name="reporting")
    assert w.ids.iam.list_role_policies(RoleName="reporting")["PolicyNames"] == []
    scheduler = w.ids.user("scheduler", policy=h.policy(h.allow("sts:AssumeRole", role["Arn"])))
    sm = w.ids.assume(scheduler, role, "nightly").sm
    return {
        "a session of `reporting` reads the secret": [lambda: sm.get_secret_value(SecretId=shared)],
        "a session of `reporting` reads another secret": [
            lambda: sm.get_secret_value(SecretId=other)],
        "a session of `reporting` deletes the secret": [lambda: sm.delete_secret(SecretId=shared)],
    }


def web_identity_trust(w: World, request) -> dict:
    key = request.getfixturevalue("issuer_key")
    role = w.ids.role(name="shop-web", trust_policy=w.policy("web-identity-trust"),
                      policy=h.policy(h.allow("secretsmanager:ListSecrets", "*")))
    sts = h.make_client(w.endpoint, service="sts", unsigned=True)

    def token(sub):
        now = int(time.time())
        return jwt(key, {"iss": ISSUER, "sub": sub, "aud": "sts.amazonaws.com",
                         "iat": now, "nbf": now, "exp": now + 600})

    def exchange(sub):
        def call():
            resp = sts.assume_role_with_web_identity(
                RoleArn=role["Arn"], RoleSessionName="pod", WebIdentityToken=token(sub))
            c = resp["Credentials"]
            session = h.Principal(resp["AssumedRoleUser"]["Arn"], w.endpoint.with_credentials(
                c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]))
            session.sm.list_secrets()
        return call

    return {
        "the token of `system:serviceaccount:shop:web` is exchanged for credentials": [
            exchange("system:serviceaccount:shop:web")],
        "the token of `system:serviceaccount:shop:worker` is exchanged for credentials": [
            exchange("system:serviceaccount:shop:worker")],
    }


def customer_key(w: World, _request) -> dict:
    kms = w.root.kms
    key_id = kms.create_key(Description="docs example: customer key")["KeyMetadata"]["KeyId"]
    arn = w.secret("keyed/db", KmsKeyId=key_id)["ARN"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"direct")["CiphertextBlob"]
    user = w.ids.user("keyed-app", policy=w.policy("customer-key"))
    return {
        "read a secret under the customer key": [lambda: user.sm.get_secret_value(SecretId=arn)],
        "decrypt with the key directly through KMS": [
            lambda: user.kms.decrypt(CiphertextBlob=blob)],
    }


SCENARIOS: dict[str, Callable[[World, pytest.FixtureRequest], dict]] = {
    "per-environment": per_environment,
    "app-read-only": app_read_only,
    "rotation-role": rotation_role,
    "rotation-role-trust": rotation_role_trust,
    "break-glass-trust": break_glass_trust,
    "abac": abac,
    "resource-policy": resource_policy,
    "web-identity-trust": web_identity_trust,
    "customer-key": customer_key,
}


# ---------------------------------------------------------------- the tests


def test_the_page_and_this_module_list_the_same_examples():
    assert set(EXAMPLES) == set(SCENARIOS)
    for example in EXAMPLES.values():
        assert example.allowed and example.denied, f"{example.name} promises nothing"


def refused(call: Callable[[], object]) -> str:
    try:
        call()
    except ClientError as e:
        code = e.response["Error"]["Code"]
        assert code in ("AccessDeniedException", "AccessDenied"), e.response["Error"]
        return e.response["Error"].get("Message", "")
    raise AssertionError("allowed, but the page says it is denied")


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_example(world, request, name):
    example = EXAMPLES[name]
    calls = SCENARIOS[name](world, request)
    assert set(calls) == set(example.allowed) | set(example.denied), \
        "the page's phrases and this module's scenarios differ"
    for phrase in example.allowed:
        for call in calls[phrase]:
            call()
    for phrase in example.denied:
        for call in calls[phrase]:
            message = refused(call)
            assert message, phrase
