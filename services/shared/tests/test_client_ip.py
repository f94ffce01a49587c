"""client_ip: only the entries appended by trusted proxies are believed."""

from __future__ import annotations

import pytest

from portfolio_shared.client_ip import client_ip, client_key


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() -> None:
    assert client_ip("203.0.113.9", "198.51.100.1", 0) == "203.0.113.9"


def test_one_proxy_believes_only_the_entry_it_appended() -> None:
    # The client forged the first entry; the proxy appended the address it saw.
    assert client_ip("10.0.0.2", "1.2.3.4, 198.51.100.7", 1) == "198.51.100.7"


def test_two_proxies_take_the_second_entry_from_the_right() -> None:
    assert client_ip("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.1", 2) == "198.51.100.7"


def test_a_header_shorter_than_the_proxy_chain_did_not_come_through_it() -> None:
    assert client_ip("203.0.113.9", "198.51.100.7", 2) == "203.0.113.9"


@pytest.mark.parametrize("header", [None, "", " , ", "not-an-address", "198.51.100.7, <script>"])
def test_a_missing_or_malformed_header_falls_back_to_the_peer(header: str | None) -> None:
    assert client_ip("203.0.113.9", header, 1) == "203.0.113.9"


def test_ipv6_entries_are_normalised_and_a_missing_peer_is_unknown() -> None:
    assert client_ip(None, "2001:DB8::0:1", 1) == "2001:db8::1"
    assert client_ip(None, None, 1) == "unknown"


def test_an_ipv6_client_is_keyed_on_its_64_network() -> None:
    keys = {client_key(f"2001:db8:1:2:{n:x}::{n:x}") for n in range(1, 200)}
    assert keys == {"2001:db8:1:2::/64"}
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")


def test_ipv4_is_keyed_on_the_address_mapped_ipv6_on_its_ipv4() -> None:
    assert client_key("198.51.100.7") == "198.51.100.7"
    assert client_key("::ffff:198.51.100.7") == "198.51.100.7"
    assert client_key("unknown") == "unknown"
