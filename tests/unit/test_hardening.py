"""The server's settings: XSRF on, error details hidden, a sane upload limit, every option explained,
and local mode bound to this computer."""

from __future__ import annotations

import tomllib

from esm_maturity.access.identity import SignInSettings, is_loopback
from esm_maturity.workbook.safety import MAX_UPLOAD_BYTES
from tests.conftest import ROOT

CONFIG = ROOT / ".streamlit" / "config.toml"


def test_the_server_keeps_its_protections_on():
    settings = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert settings["server"]["enableXsrfProtection"] is True and settings["server"]["enableCORS"] is True
    assert settings["client"]["showErrorDetails"] == "none"
    assert settings["browser"]["gatherUsageStats"] is False
    assert settings["server"]["maxUploadSize"] * 2**20 == MAX_UPLOAD_BYTES
    assert is_loopback(settings["server"]["address"])   # local mode: this computer only


def test_every_option_is_explained_by_a_comment_above_it():
    lines = CONFIG.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            above = lines[number - 1].strip()
            assert above.startswith("#") or "=" in above and not above.startswith("["), \
                f"config.toml line {number + 1} ({line.strip()}) has no comment saying what it does"


def test_the_mode_comes_from_an_auth_section():
    assert not SignInSettings.from_secrets({}).organisation
    assert not SignInSettings.from_secrets({"esm": {"first_admin": "a@b"}}).organisation
    found = SignInSettings.from_secrets({"auth": {"client_id": "x"}, "esm": {"first_admin": " Ann@Example.org "}})
    assert found.organisation and found.first_admin == "Ann@Example.org"
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("") and not is_loopback(None)


def test_serve_binds_local_mode_to_this_computer():
    from esm_maturity.__main__ import build_parser, serve_command

    local = serve_command(False, "0.0.0.0", ["--server.address", "0.0.0.0", "--server.port=8502"])
    assert local[5:] == ["--server.address", "127.0.0.1", "--server.port=8502"]
    assert serve_command(True, "", [])[5:7] == ["--server.address", "0.0.0.0"]
    assert serve_command(True, "127.0.0.1", [])[6] == "127.0.0.1"
    assert build_parser().parse_args(["serve"]).command == "serve"
