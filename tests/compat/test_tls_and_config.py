"""HTTPS (rustls) and the TOML configuration file, through boto3 and the
AWS CLI exactly as users run them."""

import http.client
import json
import os
import ssl
import subprocess
import time
import urllib.request

import boto3
import pytest
from botocore.config import Config

import canaries
import smharness as h

pytestmark = pytest.mark.persistent


def wait_healthy(url, context, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            with urllib.request.urlopen(url + "/health", timeout=2, context=context) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the HTTPS server did not become healthy")


def test_https_from_a_config_file(persistent_supported, tmp_path):
    cert, key = h.self_signed_certificate(tmp_path)
    port = h.free_port()
    data_dir = tmp_path / "data"
    config = tmp_path / "tresor.toml"
    config.write_text(
        f'listen = "127.0.0.1:{port}"\n'
        f'data_dir = "{data_dir}"\n'
        f'tls_cert = "{cert}"\n'
        f'tls_key = "{key}"\n'
        'region = "eu-central-1"\n'
        'clock_skew_seconds = 120\n'
    )
    canaries.note_log(tmp_path / "server.log")
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([persistent_supported, "server", "--config", str(config),
                             *h.log_level_args([])],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"https://localhost:{port}"
        context = ssl.create_default_context(cafile=str(cert))
        wait_healthy(url, context, proc)
        akid, secret = h.read_admin_credentials(data_dir)
        # The region from the config file is the one written with the credentials.
        assert "region = eu-central-1" in (data_dir / "admin-credentials").read_text()
        sm = boto3.client("secretsmanager", endpoint_url=url, region_name="eu-central-1",
                          aws_access_key_id=akid, aws_secret_access_key=secret,
                          verify=str(cert), config=Config(retries={"total_max_attempts": 1}))
        name = h.unique_name("tls")
        sm.create_secret(Name=name, SecretString="over-tls")
        assert sm.get_secret_value(SecretId=name)["SecretString"] == "over-tls"

        env = dict(os.environ, AWS_ACCESS_KEY_ID=akid, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_DEFAULT_REGION="eu-central-1", AWS_CA_BUNDLE=str(cert),
                   AWS_CONFIG_FILE=str(tmp_path / "none"),
                   AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
        out = subprocess.run(["aws", "secretsmanager", "get-secret-value", "--secret-id", name,
                              "--endpoint-url", url, "--query", "SecretString", "--output", "text"],
                             env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "over-tls"

        # Plain HTTP to the TLS port gets no answer as an API.
        with pytest.raises((OSError, http.client.HTTPException)):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=3)
    finally:
        proc.terminate()
        assert proc.wait(timeout=15) == 0
        log.close()


def test_unknown_config_keys_are_refused(persistent_supported, tmp_path):
    config = tmp_path / "tresor.toml"
    config.write_text('listen = "127.0.0.1:0"\nlisten_adress = "typo"\n')
    out = subprocess.run([persistent_supported, "server", "--config", str(config)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "listen_adress" in out.stderr


def test_a_seal_key_others_can_read_is_refused(persistent_supported, tmp_path):
    data_dir = tmp_path / "data"
    server = h.persistent_server(persistent_supported, data_dir, tmp_path).start()
    server.stop()
    os.chmod(data_dir / "seal.key", 0o644)
    out = subprocess.run([persistent_supported, "server", "--data-dir", str(data_dir),
                          "--listen", f"127.0.0.1:{h.free_port()}"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "seal.key" in out.stderr and "chmod 600" in out.stderr


def test_a_data_directory_keeps_its_account(persistent_supported, tmp_path):
    data_dir = tmp_path / "data"
    server = h.persistent_server(persistent_supported, data_dir, tmp_path)
    server.args += ["--account-id", "123456789012"]
    server.start()
    server.stop()
    out = subprocess.run([persistent_supported, "server", "--data-dir", str(data_dir),
                          "--account-id", "210987654321",
                          "--listen", f"127.0.0.1:{h.free_port()}"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "123456789012" in out.stderr


# ---------------------------------------------------------------- logs


def non_banner_lines(log: bytes) -> list:
    """The log without the one-time credential banner (standard output)."""
    return [line for line in canaries.BANNER.sub(b"", log).decode().splitlines() if line]


def test_json_logs_are_one_object_per_line_with_the_request_fields(persistent_supported,
                                                                   tmp_path):
    data_dir = tmp_path / "data"
    # At the suite's level (trace unless TRESOR_TEST_LOG_LEVEL says else),
    # so every kind of line the server writes is seen as JSON.
    server = h.persistent_server(persistent_supported, data_dir, tmp_path,
                                 extra_args=["--log-format", "json"])
    server.start()
    try:
        ep = h.Endpoint(server.endpoint, *h.read_admin_credentials(data_dir))
        sm = h.make_client(ep)
        account = h.make_client(ep, service="sts").get_caller_identity()["Account"]
        created = sm.create_secret(Name=h.unique_name("json-log"), SecretString="logged-as-json")
        missing = h.expect_error(lambda: sm.get_secret_value(SecretId=h.unique_name("missing")),
                                 "ResourceNotFoundException")
    finally:
        assert server.stop() == 0
    objects = [json.loads(line) for line in non_banner_lines(server.log_path.read_bytes())]
    assert all(isinstance(o, dict) and o.get("level") and o.get("target") for o in objects)
    requests = {o["fields"]["request_id"]: o for o in objects
                if o["fields"].get("message") == "request"}
    ok = requests[created["ResponseMetadata"]["RequestId"]]
    assert ok["target"] == "tresor_server::http::api" and ok["level"] == "INFO", ok
    assert ok["fields"]["operation"] == "CreateSecret"
    assert ok["fields"]["principal"] == f"arn:aws:iam::{account}:root"
    assert (ok["fields"]["status"], ok["fields"]["error"]) == (200, "-")
    assert isinstance(ok["fields"]["latency_us"], int)
    failed = requests[missing["ResponseMetadata"]["RequestId"]]
    assert failed["fields"]["operation"] == "GetSecretValue"
    assert (failed["fields"]["status"], failed["fields"]["error"]) == (400, "ResourceNotFoundException")


def test_log_levels_per_module_from_the_config_file(persistent_supported, tmp_path):
    data_dir = tmp_path / "data"
    config = tmp_path / "tresor.toml"
    config.write_text('log_level = "warn,tresor_server::http=info"\n')
    server = h.persistent_server(persistent_supported, data_dir, tmp_path,
                                 extra_args=["--config", str(config)])
    server.suite_log_level = False  # the file decides
    server.start()
    try:
        ep = h.Endpoint(server.endpoint, *h.read_admin_credentials(data_dir))
        rid = h.make_client(ep).list_secrets()["ResponseMetadata"]["RequestId"]
    finally:
        assert server.stop() == 0
    lines = non_banner_lines(server.log_path.read_bytes())
    request = [line for line in lines if rid in line]
    assert len(request) == 1, lines
    # Human lines name the module once levels are set per module.
    assert " INFO tresor_server::http::api: request " in request[0], request
    assert not any("Tresor is serving" in line for line in lines), lines  # tresor: info < warn
    assert not any(" DEBUG " in line or " TRACE " in line for line in lines), lines


@pytest.mark.parametrize("level, message", [
    ("verbose", 'unknown log level "verbose"'),
    ("info,tresor_server=loud", 'invalid log level "info,tresor_server=loud"'),
])
def test_a_bad_log_level_is_refused_clearly(persistent_supported, tmp_path, level, message):
    out = subprocess.run([persistent_supported, "server", "--data-dir", str(tmp_path / "data"),
                          "--listen", f"127.0.0.1:{h.free_port()}", "--log-level", level],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert message in out.stderr and "info,tresor_server::store=debug" in out.stderr, out.stderr
    assert not (tmp_path / "data").exists(), "a refused start created the data directory"
