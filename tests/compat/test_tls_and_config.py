"""HTTPS (rustls) and the TOML configuration file, through boto3 and the
AWS CLI exactly as users run them."""

import http.client
import os
import ssl
import subprocess
import time
import urllib.request

import boto3
import pytest
from botocore.config import Config

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
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([persistent_supported, "server", "--config", str(config)],
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
