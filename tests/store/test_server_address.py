"""The address of a ward record on a PostgreSQL server: no password in it, and TLS with
the server's certificate checked whenever the server is on another computer."""

from __future__ import annotations

import pytest

from desktop_app.store.server_address import (
    ServerAddressRefused,
    is_server_address,
    parse_server_address,
)


@pytest.mark.parametrize("text", [
    "postgresql:///ward",
    "postgresql://nurse@localhost/ward",
    "postgresql://127.0.0.1:5433/ward",
    "postgresql://[::1]/ward",
    "host=/run/postgresql dbname=ward",
    "postgresql://db.hospital.example/ward?sslmode=verify-full&sslrootcert=/etc/ca.pem",
])
def test_a_local_server_or_a_verified_tls_one_is_accepted(text):
    address = parse_server_address(text)
    assert address.conninfo == text and address.dbname == "ward"


def test_a_remote_server_without_verified_tls_is_refused_naming_what_to_add():
    for mode in ("", "?sslmode=require", "?sslmode=verify-ca", "?sslmode=disable"):
        with pytest.raises(ServerAddressRefused, match="add sslmode=verify-full"):
            parse_server_address(f"postgresql://db.hospital.example/ward{mode}")
    with pytest.raises(ServerAddressRefused, match="another computer"):
        parse_server_address("hostaddr=10.1.2.3 dbname=ward")


def test_a_password_in_the_address_is_refused_and_never_repeated():
    for text in ("postgresql://nurse:S3cret-pass@localhost/ward",
                 "host=localhost dbname=ward password=S3cret-pass"):
        with pytest.raises(ServerAddressRefused, match="password file") as refused:
            parse_server_address(text)
        assert "S3cret-pass" not in str(refused.value)


def test_an_address_that_cannot_be_read_is_refused_without_quoting_it():
    with pytest.raises(ServerAddressRefused, match="neither a postgresql:// URL") as refused:
        parse_server_address("postgresql://nurse:S3cret-pass@[broken/ward")
    assert "S3cret-pass" not in str(refused.value)


def test_only_a_postgresql_url_is_taken_for_a_server():
    assert is_server_address("postgresql://localhost/ward")
    assert is_server_address(" POSTGRES://localhost/ward")
    assert not is_server_address("/home/ward/data")
    assert not is_server_address("host=localhost")
